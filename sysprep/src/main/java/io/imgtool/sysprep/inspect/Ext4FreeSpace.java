package io.imgtool.sysprep.inspect;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.Extent;
import io.imgtool.core.Allocation;
import io.imgtool.core.ImageFormatException;
import io.imgtool.ext4.Ext4Options;
import io.imgtool.ext4.Ext4Volume;
import io.imgtool.ext4.ondisk.Features;
import io.imgtool.ext4.ondisk.Superblock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The free blocks of an ext2/3/4 filesystem as byte ranges of its device, read from the block
 * bitmaps by the ext4 engine ({@link Ext4Volume#freeExtentsSkippingBadGroups}; read-only; what the
 * seal pipeline leaves out of its output).
 *
 * <p>Dropping a block that is in use loses data, so this refuses rather than guesses: a filesystem
 * whose journal needs recovery, that is not marked clean, that has errors recorded, or uses bigalloc
 * yields {@link Result#skipped} with the reason. A group whose bitmap fails its checksum or whose
 * free count disagrees with its descriptor contributes nothing (and is named in
 * {@link Result#problems}). A group with {@code BLOCK_UNINIT} has no bitmap on disk: the engine
 * computes its used blocks as e2fsprogs does.
 */
public final class Ext4FreeSpace {

    /**
     * @param free free ranges, as {@link Allocation#UNALLOCATED} extents of the filesystem's device,
     *     sorted and merged
     * @param freeBytes their total
     * @param skipped why nothing was read ("" when it was)
     * @param problems groups left out and why
     */
    public record Result(List<Extent> free, long freeBytes, String skipped, List<String> problems) {
        public Result {
            free = List.copyOf(free);
            problems = List.copyOf(problems);
        }
    }

    private Ext4FreeSpace() {
    }

    /** Reads the free space of the ext2/3/4 filesystem at offset 0 of {@code dev}. */
    public static Result read(BlockDevice dev) throws IOException {
        if (dev.size() < Superblock.OFFSET + Superblock.SIZE) {
            throw new ImageFormatException("ext4 superblock", Superblock.OFFSET, "device too small for a filesystem");
        }
        ByteBuffer sbBuf = ByteBuffer.allocate(Superblock.SIZE);
        dev.read(sbBuf, Superblock.OFFSET);
        Superblock sb = Superblock.parse(sbBuf.flip());
        sb.validate();
        if (sb.hasIncompat(Features.INCOMPAT_RECOVER)) {
            return skipped("its journal needs recovery");
        }
        if ((sb.state() & Superblock.STATE_VALID) == 0 || (sb.state() & Superblock.STATE_ERROR) != 0) {
            return skipped("it is not marked clean (state " + sb.state() + "); run e2fsck first");
        }
        if (sb.hasRoCompat(Features.RO_COMPAT_BIGALLOC)) {
            return skipped("bigalloc is not supported by the free-space reader");
        }
        long fsBytes = Math.multiplyExact(sb.blocksCount(), (long) sb.blockSize());
        if (fsBytes > dev.size()) {
            throw new ImageFormatException("ext4 superblock", "s_blocks_count", Superblock.OFFSET + 4, sb.blocksCount(),
                    "filesystem larger than its device");
        }
        try (Ext4Volume volume = Ext4Volume.open(dev, Ext4Options.defaults())) {
            List<String> problems = new ArrayList<>();
            List<Extent> free = volume.freeExtentsSkippingBadGroups(problems);
            long total = free.stream().mapToLong(Extent::length).sum();
            return new Result(free, total, "", problems);
        }
    }

    private static Result skipped(String why) {
        return new Result(List.of(), 0, why, List.of());
    }
}
