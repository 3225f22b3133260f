package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.gpt.GptTable;
import io.imgtool.gpt.Verification;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code imgtool part repair IMAGE}. */
@Command(name = "repair", mixinStandardHelpOptions = true,
        description = {"Rebuild a damaged GPT from its intact copy: both headers and arrays rewritten, the backup "
                + "at the end of the disk, a protective MBR where there is none (a hybrid MBR is kept).",
                "Overlapping partitions or partitions outside the usable area are not guessed at: "
                        + "delete or resize them first."})
public final class PartRepairCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk image.")
    Path image;

    @Mixin
    SectorSizeOption sectorSize;

    @Mixin
    DryRunOption dryRun;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        try (BlockDevice disk = Disks.open(image, !dryRun.enabled())) {
            int ss = sectorSize.resolve(disk);
            PartSupport.gpt(disk, ss);
            GptTable.RepairResult r = GptTable.repair(disk, ss, dryRun.enabled());
            for (Verification.Finding f : r.before().findings()) {
                if (f.severity() != Verification.Severity.NOTE) {
                    out.println("found: " + f.message());
                }
            }
            if (r.written()) {
                out.println("repaired from the " + r.source().name().toLowerCase() + " copy");
            } else if (dryRun.enabled() && !r.before().findings().isEmpty() && !r.before().ok()) {
                out.println("dry run: would repair from the " + r.source().name().toLowerCase()
                        + " copy; nothing written");
            } else {
                out.println("nothing to repair");
            }
        }
        return ExitCodes.OK;
    }
}
