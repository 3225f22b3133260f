package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.Json;
import io.imgtool.sysprep.inspect.Guest;
import io.imgtool.sysprep.inspect.GuestInspection;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code imgtool inspect IMAGE}: what a guest image holds, read-only. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Describe a guest image without changing it: partitions, filesystems (type, label, UUID), "
                + "the root filesystem, the guest's /etc/fstab and what each entry names, OS name and version, "
                + "host name, machine-id, kernels in /boot, and whether cloud-init is installed and has run."})
public final class InspectCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk image (qcow2 or raw; a partitioned disk or a bare filesystem).")
    Path image;

    @Option(names = {"-f", "--format"}, paramLabel = "qcow2|raw", description = "The image format (default: probed).")
    String format;

    @Option(names = "--root-partition", paramLabel = "N", description = "The root partition, when imgtool cannot tell.")
    Integer rootPartition;

    @Mixin
    JsonOption json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        GuestInspection r;
        try (BlockDevice disk = Disks.open(image, format, false);
             Guest g = Guest.open(disk, Guest.Options.builder().rootPartition(rootPartition == null ? -1 : rootPartition).build())) {
            r = g.inspection();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json.enabled()) {
            Map<String, Object> m = r.toJson();
            m.put("image", image.toString());
            out.println(Json.write(m));
        } else {
            out.print(r.toText());
        }
        out.flush();
        return ExitCodes.OK;
    }
}
