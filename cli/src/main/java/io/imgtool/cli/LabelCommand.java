package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.Json;
import io.imgtool.gpt.Partition;
import io.imgtool.gpt.RootLabeler;
import io.imgtool.sysprep.Ext4FsLabelWriter;
import io.imgtool.sysprep.Ext4RootDetector;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgtool label --root NAME IMAGE}: name the root partition (e.g. SLX_SYS for netboot). */
@Command(name = "label", mixinStandardHelpOptions = true,
        description = {"Give the root partition a GPT partition name (PARTLABEL), e.g. SLX_SYS for netboot setups "
                + "that find the root filesystem by name.",
                "The root partition is the one holding a root filesystem, else the single Linux-filesystem or "
                        + "Discoverable-Partitions root-type partition. With several candidates, choose with "
                        + "--partition. Idempotent; prints the name before and after."})
public final class LabelCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk image.")
    Path image;

    @Option(names = "--root", paramLabel = "NAME", required = true,
            description = "The name to give the root partition (at most 36 characters).")
    String name;

    @Option(names = "--partition", paramLabel = "N", description = "Use partition N instead of finding the root.")
    int partition;

    @Option(names = "--fs-label",
            description = "Also set the root filesystem's volume label to NAME, as tune2fs -L does (ext2/3/4 only, at "
                    + "most 16 bytes; the only way on MBR disks).")
    boolean fsLabel;

    @Mixin
    SectorSizeOption sectorSize;

    @Mixin
    DryRunOption dryRun;

    @Mixin
    JsonOption json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        RootLabeler.Result r;
        try (BlockDevice disk = Disks.open(image, !dryRun.enabled())) {
            RootLabeler.Options o = RootLabeler.Options.builder(name).partition(partition)
                    .sectorSize(sectorSize.resolve(disk)).dryRun(dryRun.enabled()).fsLabel(fsLabel)
                    .detector(new Ext4RootDetector()).fsLabelWriter(new Ext4FsLabelWriter()).build();
            r = RootLabeler.label(disk, o);
        }
        Partition p = r.partition();
        if (json.enabled()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("scheme", r.scheme());
            m.put("partition", p.number());
            m.put("start", p.firstLba());
            m.put("end", p.lastLba());
            m.put("type", p.typeDescription());
            m.put("reason", r.reason());
            m.put("nameBefore", r.nameBefore());
            m.put("nameAfter", r.nameAfter());
            if (r.fsLabelBefore() != null) {
                m.put("fsLabelBefore", r.fsLabelBefore());
                m.put("fsLabelAfter", r.fsLabelAfter());
            }
            m.put("changed", r.changed());
            m.put("written", r.written());
            m.put("dryRun", dryRun.enabled());
            out.println(Json.write(m));
            return ExitCodes.OK;
        }
        out.println("partition " + p.number() + " (" + p.typeDescription() + ", LBA " + p.firstLba() + ".."
                + p.lastLba() + "): " + r.reason());
        PartSupport.printChange(out, "name", "'" + r.nameBefore() + "'", "'" + r.nameAfter() + "'");
        if (r.fsLabelBefore() != null) {
            PartSupport.printChange(out, "filesystem label", "'" + r.fsLabelBefore() + "'",
                    "'" + r.fsLabelAfter() + "'");
        }
        if (!r.changed()) {
            out.println("nothing to do");
        } else if (!r.written()) {
            out.println("dry run: nothing written");
        }
        return ExitCodes.OK;
    }
}
