package io.imgtool.ext4.internal;

import io.imgtool.ext4.ondisk.Features;
import io.imgtool.ext4.ondisk.Superblock;

/**
 * Where things are: block groups, their superblock backups and descriptor blocks (classic, meta_bg,
 * sparse_super, sparse_super2), inode locations. Pure arithmetic on superblock values that
 * {@link Superblock#validate} has bounded.
 */
public final class Geometry {

    private final Superblock sb;
    public final int blockSize;
    public final long blocksCount;
    public final long firstDataBlock;
    public final long blocksPerGroup;
    public final long groupCount;
    public final long inodesPerGroup;
    public final long inodesCount;
    public final int inodeSize;
    public final int descSize;
    public final int descPerBlock;
    public final boolean metaBg;
    public final long firstMetaBg;

    public Geometry(Superblock sb) {
        this.sb = sb;
        this.blockSize = sb.blockSize();
        this.blocksCount = sb.blocksCount();
        this.firstDataBlock = sb.firstDataBlock();
        this.blocksPerGroup = sb.blocksPerGroup();
        this.groupCount = sb.groupCount();
        this.inodesPerGroup = sb.inodesPerGroup();
        this.inodesCount = sb.inodesCount();
        this.inodeSize = sb.inodeSize();
        this.descSize = sb.descSize();
        this.descPerBlock = blockSize / descSize;
        this.metaBg = sb.hasIncompat(Features.INCOMPAT_META_BG);
        this.firstMetaBg = sb.firstMetaBg();
    }

    /** Blocks holding all group descriptors (classic layout). */
    public long gdtBlocks() {
        return (groupCount + descPerBlock - 1) / descPerBlock;
    }

    public long groupFirstBlock(long group) {
        return firstDataBlock + group * blocksPerGroup;
    }

    /** Blocks in group {@code group} (the last group may be short). */
    public long blocksInGroup(long group) {
        return group == groupCount - 1 ? blocksCount - groupFirstBlock(group) : blocksPerGroup;
    }

    private static boolean isPowerOf(long n, long base) {
        while (n > 1 && n % base == 0) {
            n /= base;
        }
        return n == 1;
    }

    /** Whether group {@code group} carries a superblock backup (and descriptor copies). */
    public boolean hasSuper(long group) {
        if (group == 0) {
            return true;
        }
        if (sb.hasCompat(Features.COMPAT_SPARSE_SUPER2)) {
            long[] b = sb.backupBgs();
            return group == b[0] || group == b[1];
        }
        if (group <= 1 || !sb.hasRoCompat(Features.RO_COMPAT_SPARSE_SUPER)) {
            return true;
        }
        if ((group & 1) == 0) {
            return false;
        }
        return isPowerOf(group, 3) || isPowerOf(group, 5) || isPowerOf(group, 7);
    }

    /**
     * The block holding the primary copy of descriptor block {@code i} (i counts descriptor blocks),
     * as e2fsprogs' ext2fs_descriptor_block_loc2 with the primary superblock.
     */
    public long descriptorBlock(long i) {
        long superBlock = firstDataBlock;
        if (!metaBg || i < firstMetaBg) {
            return superBlock + 1 + i;
        }
        long group = descPerBlock * i;
        return groupFirstBlock(group) + (hasSuper(group) ? 1 : 0);
    }

    /** Number of descriptor blocks to read: one per descPerBlock groups. */
    public long descriptorBlockCount() {
        return gdtBlocks();
    }

    /** Group of inode {@code ino} (1-based). */
    public long inodeGroup(long ino) {
        return (ino - 1) / inodesPerGroup;
    }

    /** Index of inode {@code ino} within its group. */
    public long inodeIndex(long ino) {
        return (ino - 1) % inodesPerGroup;
    }

    /** Inode table blocks per group. */
    public long inodeTableBlocks() {
        return (inodesPerGroup * inodeSize + blockSize - 1) / blockSize;
    }

    /**
     * Largest file size the block mapping can address: 2^32 logical blocks with extents; the
     * indirect tree's reach (and 2^32 512-byte sectors without huge_file) for block maps.
     */
    public long maxFileSize(boolean extents) {
        if (extents) {
            return Math.min(Long.MAX_VALUE, (1L << 32) * blockSize);
        }
        long n = blockSize / 4;
        long blocks = 12 + n + n * n + n * n * n;
        long max = Math.min(blocks, 1L << 32) * blockSize;
        if (!sb.hasRoCompat(Features.RO_COMPAT_HUGE_FILE)) {
            max = Math.min(max, ((1L << 32) - 1) * 512);
        }
        return max;
    }
}
