package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.gpt.GptTable;
import io.imgtool.gpt.PartitionTable;
import io.imgtool.gpt.ondisk.Guids;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgtool part create IMAGE}: a new, empty GPT. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = "Write a new, empty GPT (protective MBR, primary and backup). The boot code in the MBR is kept.")
public final class PartCreateCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk image.")
    Path image;

    @Option(names = "--disk-guid", paramLabel = "GUID", description = "Disk GUID (default: random).")
    String diskGuid;

    @Option(names = "--entries", paramLabel = "N", defaultValue = "128",
            description = "Number of partition entries (default: ${DEFAULT-VALUE}).")
    int entries;

    @Option(names = "--force", description = "Replace an existing partition table.")
    boolean force;

    @Mixin
    SectorSizeOption sectorSize;

    @Mixin
    DryRunOption dryRun;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        UUID guid = diskGuid == null ? Guids.random(new SecureRandom()) : Guids.parse(diskGuid);
        try (BlockDevice disk = Disks.open(image, !dryRun.enabled())) {
            int ss = sectorSize.resolve(disk);
            PartitionTable existing;
            try {
                existing = PartitionTable.read(disk, ss);
            } catch (ImageException e) {
                existing = null; // a broken GPT counts as a table too
                if (!force) {
                    throw ImageException.invalidArgument("the disk holds a damaged GPT (" + e.getMessage()
                            + "); 'imgtool part repair' may save it, --force replaces it");
                }
            }
            if (existing != null && existing.scheme() != PartitionTable.Scheme.NONE && !force) {
                throw ImageException.invalidArgument("the disk already has " + (existing.scheme()
                        == PartitionTable.Scheme.GPT ? "a GPT" : "an MBR partition table") + " with "
                        + existing.partitions().size() + " partitions; --force replaces it");
            }
            GptTable t = GptTable.create(disk, ss, guid, entries);
            out.println("GPT: disk GUID " + Guids.toText(guid) + ", " + entries + " entries, usable LBA "
                    + t.firstUsableLba() + ".." + t.lastUsableLba() + " (" + ss + "-byte sectors)");
            PartSupport.commit(t, disk, dryRun.enabled(), out);
        }
        return ExitCodes.OK;
    }
}
