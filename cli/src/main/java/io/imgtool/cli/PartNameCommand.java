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

/** {@code imgtool part name IMAGE N NAME}. */
@Command(name = "name", mixinStandardHelpOptions = true,
        description = "Set a partition's GPT name (PARTLABEL), up to 36 UTF-16 code units; \"\" clears it.")
public final class PartNameCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk image.")
    Path image;

    @Parameters(index = "1", paramLabel = "N", description = "Partition number.")
    int number;

    @Parameters(index = "2", paramLabel = "NAME", description = "The new name.")
    String name;

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
            String before = t.partition(number).name();
            GptTable after = t.rename(number, name);
            out.println("partition " + number + ":");
            PartSupport.printChange(out, "name", "'" + before + "'", "'" + name + "'");
            if (!before.equals(name)) {
                PartSupport.commit(after, disk, dryRun.enabled(), out);
            }
        }
        return ExitCodes.OK;
    }
}
