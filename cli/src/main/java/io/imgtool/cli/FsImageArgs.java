package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.ext4.ChecksumPolicy;
import io.imgtool.ext4.Ext4Options;
import io.imgtool.ext4.Ext4Volume;
import io.imgtool.ext4.JournalPolicy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How filesystem commands (ls, cat, get, tar-out, fs-info) turn their IMAGE argument into an open
 * ext4 volume: the one place that resolves IMAGE to the filesystem's device. Today IMAGE must be a
 * bare filesystem image; {@code --partition} and {@code --partlabel} (and picking the root partition
 * of a disk by default) arrive when the GPT module is wired in here.
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

    private BlockDevice filesystemDevice(Path image, BlockDevice disk) throws IOException {
        if (partition != null || partlabel != null) {
            throw new UnsupportedFeatureException(image.toString(), "partition selection",
                    "--partition and --partlabel need the GPT module, which is not wired into imgtool yet");
        }
        if (hasExtMagic(disk)) {
            return disk;
        }
        if (hasPartitionTable(disk)) {
            throw new UnsupportedFeatureException(image.toString(), "partitioned disk",
                    "IMAGE holds a partition table; choosing its root partition needs the GPT module, which is not "
                            + "wired into imgtool yet (give a bare filesystem image)");
        }
        throw new ImageException(ImageException.Kind.CORRUPT, image + ": not an ext2/ext3/ext4 filesystem image");
    }

    private static boolean hasExtMagic(BlockDevice d) throws IOException {
        if (d.size() < 2048) {
            return false;
        }
        ByteBuffer b = ByteBuffer.allocate(2);
        d.read(b, 1024 + 0x38);
        return (b.get(0) & 0xff) == 0x53 && (b.get(1) & 0xff) == 0xEF;
    }

    private static boolean hasPartitionTable(BlockDevice d) throws IOException {
        if (d.size() < 512) {
            return false;
        }
        ByteBuffer b = ByteBuffer.allocate(2);
        d.read(b, 510);
        return (b.get(0) & 0xff) == 0x55 && (b.get(1) & 0xff) == 0xAA;
    }
}
