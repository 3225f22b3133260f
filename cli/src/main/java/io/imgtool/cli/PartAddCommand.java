package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.gpt.GptAttributes;
import io.imgtool.gpt.GptTable;
import io.imgtool.gpt.NewPartition;
import io.imgtool.gpt.PartitionType;
import io.imgtool.gpt.ondisk.Guids;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgtool part add IMAGE}: a new partition, aligned to 1 MiB unless told where. */
@Command(name = "add", mixinStandardHelpOptions = true,
        description = {"Add a partition. Without --start it starts on a 1 MiB boundary in the first free region "
                + "that holds --size (or in the largest free region); without --size or --end it fills its region."})
public final class PartAddCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk image.")
    Path image;

    @Option(names = "--number", paramLabel = "N", description = "Entry number (default: the first unused).")
    int number;

    @Option(names = "--start", paramLabel = "POS", description = "First sector, or a byte offset with a unit (1M).")
    String start;

    @Option(names = "--end", paramLabel = "POS",
            description = "Last sector (inclusive), or the byte offset with a unit at which the partition ends.")
    String end;

    @Option(names = "--size", paramLabel = "SIZE", description = "Size in sectors, or bytes with a unit (512M, 2G).")
    String size;

    @Option(names = {"-t", "--type"}, paramLabel = "TYPE", defaultValue = "linux",
            description = "Type: alias (linux, esp, bios-boot, swap, linux-home, root-x86-64, root-aarch64 ...), "
                    + "sgdisk code (8300) or GUID. Default: ${DEFAULT-VALUE}.")
    String type;

    @Option(names = {"-c", "--name"}, paramLabel = "NAME", defaultValue = "", description = "Partition name.")
    String name;

    @Option(names = {"-u", "--guid"}, paramLabel = "GUID", description = "Partition GUID (default: random).")
    String guid;

    @Option(names = {"-A", "--attrs"}, paramLabel = "LIST",
            description = "Attributes, comma-separated names or bit numbers (legacy-bios-bootable,read-only,60).")
    String attrs;

    @Mixin
    SectorSizeOption sectorSize;

    @Mixin
    DryRunOption dryRun;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (end != null && size != null) {
            throw new IllegalArgumentException("give --end or --size, not both");
        }
        try (BlockDevice disk = Disks.open(image, !dryRun.enabled())) {
            int ss = sectorSize.resolve(disk);
            GptTable t = PartSupport.gpt(disk, ss);
            NewPartition.Builder b = NewPartition.builder().number(number).type(PartitionType.parse(type)).name(name);
            if (start != null) {
                b.firstLba(PartSupport.sectorOf(start, ss, "--start"));
            }
            if (end != null) {
                boolean bare = end.trim().chars().allMatch(Character::isDigit);
                long e = PartSupport.sectorOf(end, ss, "--end");
                b.lastLba(bare ? e : e - 1);
            }
            if (size != null) {
                b.sectors(PartSupport.sectorsOf(size, ss));
            }
            if (guid != null) {
                b.partitionGuid(Guids.parse(guid));
            }
            if (attrs != null) {
                b.attributes(GptAttributes.mask(attrs));
            }
            int n = number != 0 ? number : t.firstFreeNumber();
            GptTable after = t.add(b.build(), new SecureRandom());
            out.println("added partition " + PartSupport.describe(after.partition(n)));
            PartSupport.commit(after, disk, dryRun.enabled(), out);
        }
        return ExitCodes.OK;
    }
}
