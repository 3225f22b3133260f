package io.imgtool.sysprep;

import io.imgtool.core.BlockDevice;
import io.imgtool.ext4.ChecksumPolicy;
import io.imgtool.ext4.Ext4Options;
import io.imgtool.ext4.Ext4Volume;
import io.imgtool.gpt.RootFsDetector;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.Files;

/**
 * Answers {@link RootFsDetector}'s question for ext2/3/4: a partition holds a root filesystem when
 * {@code /etc/os-release} exists and {@code /sbin/init} or {@code /usr/lib/systemd/systemd} does
 * (links resolved inside the guest, as the kernel would after switch_root). Anything that is not
 * ext* is UNKNOWN (left to the partition-type fallback); an ext* filesystem that cannot be read is
 * UNKNOWN too, so one damaged partition does not hide the real root.
 */
public final class Ext4RootDetector implements RootFsDetector {

    private static final int EXT_MAGIC_OFFSET = 1024 + 0x38;

    @Override
    public Answer isRootFilesystem(BlockDevice partition) throws IOException {
        if (!hasExtMagic(partition)) {
            return Answer.UNKNOWN;
        }
        Ext4Options options = Ext4Options.builder().checksums(ChecksumPolicy.REPORT).build();
        try (Ext4Volume volume = Ext4Volume.open(partition, options)) {
            FileSystem fs = volume.fileSystem();
            boolean osRelease = Files.isRegularFile(fs.getPath("/etc/os-release"))
                    || Files.isRegularFile(fs.getPath("/usr/lib/os-release"));
            boolean init = Files.exists(fs.getPath("/sbin/init"))
                    || Files.exists(fs.getPath("/usr/lib/systemd/systemd"));
            return osRelease && init ? Answer.YES : Answer.NO;
        } catch (IOException | RuntimeException e) {
            return Answer.UNKNOWN;
        }
    }

    /** Whether the device carries the ext2/3/4 superblock magic. */
    public static boolean hasExtMagic(BlockDevice d) throws IOException {
        if (d.size() < 2048) {
            return false;
        }
        ByteBuffer b = ByteBuffer.allocate(2);
        d.read(b, EXT_MAGIC_OFFSET);
        return (b.get(0) & 0xff) == 0x53 && (b.get(1) & 0xff) == 0xEF;
    }
}
