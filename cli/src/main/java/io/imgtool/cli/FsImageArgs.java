package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.core.SliceDevice;
import io.imgtool.ext4.ChecksumPolicy;
import io.imgtool.ext4.Ext4Options;
import io.imgtool.ext4.Ext4Volume;
import io.imgtool.ext4.JournalPolicy;
import io.imgtool.gpt.Partition;
import io.imgtool.gpt.PartitionTable;
import io.imgtool.gpt.RootLabeler;
import io.imgtool.sysprep.Ext4RootDetector;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How filesystem commands (ls, cat, get, tar-out, fs-info; put, rm, mkdir, ln, chmod, chown, write,
 * fs-label, fs-uuid, zero-free) turn their IMAGE argument into an open
 * ext4 volume: the one place that resolves IMAGE to the filesystem's device. IMAGE is a disk (qcow2
 * or raw; the root partition by default, {@code --partition N} or {@code --partlabel NAME} to
 * choose) or a bare filesystem image.
 */
public final class FsImageArgs {

    @Option(names = "--partition", paramLabel = "N", description = "Use partition number N of the disk.")
    Integer partition;

    @Option(names = "--partlabel", paramLabel = "NAME", description = "Use the partition whose GPT name is NAME.")
    String partlabel;

    @Option(names = "--checksums", paramLabel = "POLICY", defaultValue = "strict",
            description = "On a metadata checksum mismatch: strict (fail that file or directory) or report "
                    + "(warn and read the data as found). Default: ${DEFAULT-VALUE}.")
    ChecksumPolicy checksums;

    @Option(names = "--journal", paramLabel = "POLICY", defaultValue = "replay",
            description = "A filesystem that needs recovery: replay (in memory, nothing is written), refuse, or "
                    + "ignore (read the stale on-disk state). Default: ${DEFAULT-VALUE}.")
    JournalPolicy journal;

    /** Opens the filesystem of {@code image} read-only; closing the volume closes the image. */
    public Ext4Volume open(Path image) throws IOException {
        BlockDevice disk = Disks.open(image, false);
        try {
            BlockDevice fsDevice = filesystemDevice(image, disk);
            return Ext4Volume.openOwning(fsDevice, Ext4Options.builder().checksums(checksums).journal(journal).build());
        } catch (IOException | RuntimeException e) {
            disk.close();
            throw e;
        }
    }

    /**
     * Opens the filesystem of {@code image} for writing (the image is locked exclusively); closing
     * the volume commits every change and closes the image. A journal that needs recovery is replayed
     * onto the image first ({@code --journal replay}, the default) or the open is refused.
     */
    public Ext4Volume openWritable(Path image) throws IOException {
        if (checksums != ChecksumPolicy.STRICT) {
            throw ImageException.invalidArgument("--checksums report is for reading; writing needs strict checksums");
        }
        if (journal == JournalPolicy.IGNORE) {
            throw ImageException.invalidArgument("--journal ignore is for reading; writing replays (replay) or refuses");
        }
        BlockDevice disk = Disks.open(image, true);
        try {
            BlockDevice fsDevice = filesystemDevice(image, disk);
            return Ext4Volume.openOwning(fsDevice, Ext4Options.builder().journal(journal).writable(true).build());
        } catch (IOException | RuntimeException e) {
            disk.close();
            throw e;
        }
    }

    /**
     * The filesystem's device inside {@code disk}: partition N, the partition named NAME, a bare
     * filesystem image, or the root partition of a partitioned disk (found as {@code label --root}
     * finds it). The returned device closes {@code disk} when closed.
     */
    BlockDevice filesystemDevice(Path image, BlockDevice disk) throws IOException {
        if (partition != null && partlabel != null) {
            throw ImageException.invalidArgument("give --partition or --partlabel, not both");
        }
        if (partition == null && partlabel == null && hasExtMagic(disk)) {
            return disk;
        }
        int sectorSize = PartitionTable.detectSectorSize(disk).orElse(512);
        PartitionTable table = PartitionTable.read(disk, sectorSize);
        if (table.scheme() == PartitionTable.Scheme.NONE) {
            if (partition != null || partlabel != null) {
                throw ImageException.invalidArgument(image + " has no partition table");
            }
            throw new ImageException(ImageException.Kind.CORRUPT,
                    image + ": neither an ext2/ext3/ext4 filesystem nor a partitioned disk");
        }
        Partition chosen;
        if (partition != null) {
            chosen = table.partition(partition);
        } else if (partlabel != null) {
            chosen = table.partitions().stream().filter(p -> p.name().equals(partlabel)).findFirst()
                    .orElseThrow(() -> ImageException.invalidArgument("no partition is named '" + partlabel + "'"));
        } else {
            chosen = RootLabeler.findRoot(disk, table, new Ext4RootDetector()).partition();
        }
        return SliceDevice.owning(disk, chosen.offset(), chosen.size());
    }

    private static boolean hasExtMagic(BlockDevice d) throws IOException {
        return Ext4RootDetector.hasExtMagic(d);
    }
}
