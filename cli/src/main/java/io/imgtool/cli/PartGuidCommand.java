package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.gpt.GptPartition;
import io.imgtool.gpt.GptTable;
import io.imgtool.gpt.ondisk.Guids;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgtool part guid IMAGE [N] (--set GUID | --random | --randomize-all)}. */
@Command(name = "guid", mixinStandardHelpOptions = true,
        description = {"Set or randomise the disk GUID, or with N a partition's GUID (PARTUUID).",
                "--randomize-all gives the disk and every partition new random GUIDs (like sgdisk -G), "
                        + "so clones of an image do not share them."})
public final class PartGuidCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk image.")
    Path image;

    @Parameters(index = "1", paramLabel = "N", arity = "0..1", description = "Partition number (omit for the disk).")
    Integer number;

    static final class What {
        @Option(names = "--set", paramLabel = "GUID", required = true, description = "The new GUID.")
        String set;

        @Option(names = "--random", required = true, description = "A new random GUID.")
        boolean random;

        @Option(names = "--randomize-all", required = true, description = "New random disk and partition GUIDs.")
        boolean all;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    What what;

    @Mixin
    SectorSizeOption sectorSize;

    @Mixin
    DryRunOption dryRun;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        SecureRandom random = new SecureRandom();
        try (BlockDevice disk = Disks.open(image, !dryRun.enabled())) {
            GptTable t = PartSupport.gpt(disk, sectorSize.resolve(disk));
            GptTable after;
            if (what.all) {
                if (number != null) {
                    throw new IllegalArgumentException("--randomize-all takes no partition number");
                }
                after = t.randomizeGuids(random);
                PartSupport.printChange(out, "disk GUID", Guids.toText(t.diskGuid()), Guids.toText(after.diskGuid()));
                for (GptPartition p : t.partitions()) {
                    PartSupport.printChange(out, "partition " + p.number() + " GUID", Guids.toText(p.partitionGuid()),
                            Guids.toText(after.partition(p.number()).partitionGuid()));
                }
            } else {
                UUID g = what.random ? Guids.random(random) : Guids.parse(what.set);
                if (number == null) {
                    after = t.withDiskGuid(g);
                    PartSupport.printChange(out, "disk GUID", Guids.toText(t.diskGuid()), Guids.toText(g));
                } else {
                    UUID before = t.partition(number).partitionGuid();
                    after = t.withPartitionGuid(number, g);
                    PartSupport.printChange(out, "partition " + number + " GUID", Guids.toText(before),
                            Guids.toText(g));
                }
            }
            PartSupport.commit(after, disk, dryRun.enabled(), out);
        }
        return ExitCodes.OK;
    }
}
