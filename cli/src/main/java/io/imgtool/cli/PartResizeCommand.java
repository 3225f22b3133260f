package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.gpt.GptPartition;
import io.imgtool.gpt.GptTable;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgtool part resize IMAGE N --size|--end|--max}. */
@Command(name = "resize", mixinStandardHelpOptions = true,
        description = {"Move the end of a partition (the start stays). The filesystem inside is not resized.",
                "After the image grew, run 'part move-backup' first so the new space becomes usable."})
public final class PartResizeCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk image.")
    Path image;

    @Parameters(index = "1", paramLabel = "N", description = "Partition number.")
    int number;

    static final class Target {
        @Option(names = "--size", paramLabel = "SIZE", required = true,
                description = "New size in sectors, or bytes with a unit.")
        String size;

        @Option(names = "--end", paramLabel = "POS", required = true,
                description = "New last sector, or the byte offset with a unit at which it ends.")
        String end;

        @Option(names = "--max", required = true, description = "Grow up to the next partition or the usable end.")
        boolean max;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

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
            GptTable t = PartSupport.gpt(disk, ss);
            GptPartition p = t.partition(number);
            long last;
            if (target.max) {
                last = t.maxLastLba(number);
            } else if (target.size != null) {
                last = p.firstLba() + PartSupport.sectorsOf(target.size, ss) - 1;
            } else {
                boolean bare = target.end.trim().chars().allMatch(Character::isDigit);
                long e = PartSupport.sectorOf(target.end, ss, "--end");
                last = bare ? e : e - 1;
            }
            GptTable after = t.resize(number, last);
            out.println("partition " + number + ":");
            PartSupport.printChange(out, "LBA", p.firstLba() + ".." + p.lastLba(), p.firstLba() + ".." + last);
            PartSupport.printChange(out, "size", io.imgtool.core.Sizes.human(p.size()),
                    io.imgtool.core.Sizes.human(after.partition(number).size()));
            PartSupport.commit(after, disk, dryRun.enabled(), out);
        }
        return ExitCodes.OK;
    }
}
