package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.gpt.GptTable;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code imgtool part delete IMAGE N}. */
@Command(name = "delete", mixinStandardHelpOptions = true,
        description = "Delete a partition (its entry is cleared; the data stays on the disk).")
public final class PartDeleteCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk image.")
    Path image;

    @Parameters(index = "1", paramLabel = "N", description = "Partition number.")
    int number;

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
            GptTable t = PartSupport.gpt(disk, sectorSize.resolve(disk));
            String was = PartSupport.describe(t.partition(number));
            GptTable after = t.delete(number);
            out.println("deleted partition " + was);
            PartSupport.commit(after, disk, dryRun.enabled(), out);
        }
        return ExitCodes.OK;
    }
}
