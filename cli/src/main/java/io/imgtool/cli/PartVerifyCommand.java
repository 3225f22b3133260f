package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.Json;
import io.imgtool.gpt.GptVerifier;
import io.imgtool.gpt.Verification;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code imgtool part verify IMAGE}: like {@code sgdisk -v}; exit 1 when problems are found. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Check the partition table like sgdisk -v: header and array CRCs, primary/backup agreement, "
                + "backup at the end, overlaps, partitions outside the usable area or past the end, the protective "
                + "or hybrid MBR.", "Exit code 1 when a problem is found."})
public final class PartVerifyCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk image.")
    Path image;

    @Mixin
    SectorSizeOption sectorSize;

    @Mixin
    JsonOption json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Verification v;
        try (BlockDevice disk = Disks.open(image, false)) {
            v = GptVerifier.verify(disk, sectorSize.resolve(disk));
        }
        if (json.enabled()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("scheme", v.scheme());
            m.put("ok", v.ok());
            List<Object> fs = new ArrayList<>();
            for (Verification.Finding f : v.findings()) {
                Map<String, Object> fm = new LinkedHashMap<>();
                fm.put("severity", f.severity());
                fm.put("code", f.code());
                fm.put("message", f.message());
                fs.add(fm);
            }
            m.put("findings", fs);
            out.println(Json.write(m));
        } else {
            for (Verification.Finding f : v.findings()) {
                out.println(f.severity().name().toLowerCase() + ": " + f.message());
            }
            int n = v.problems().size();
            out.println(n == 0 ? "No problems found (" + v.scheme().name() + ")."
                    : n + (n == 1 ? " problem" : " problems") + " found.");
        }
        return v.ok() ? ExitCodes.OK : ExitCodes.PROBLEMS;
    }
}
