package io.imgtool.ext4.mkfs;

import io.imgtool.core.ImageException;

/**
 * Which blocks of the new filesystem are in use. A group's bitmap is created on first use (its
 * superblock copy, descriptors and reserved GDT blocks marked), so a 16 TiB filesystem whose groups
 * hold nothing but backups costs no memory for them. Also places bitmaps and inode tables (flex_bg
 * packing as e2fsprogs' {@code ext2fs_allocate_group_table} does) and hands out data blocks in
 * ascending order from a cursor, so files are laid out contiguously.
 */
final class BlockMap {

    private final Layout l;
    private final long[][] bits;
    private long cursor;

    BlockMap(Layout l) {
        this.l = l;
        this.bits = new long[l.groups][];
        this.cursor = l.firstDataBlock;
    }

    private long[] group(int g, boolean create) {
        long[] b = bits[g];
        if (b == null && create) {
            b = new long[(l.blocksPerGroup + 63) / 64];
            bits[g] = b;
            int n = l.superBlocks(g);
            for (int i = 0; i < n; i++) {
                b[i >>> 6] |= 1L << i;
            }
        }
        return b;
    }

    boolean isUsed(long block) {
        int g = l.groupOf(block);
        int i = (int) (block - l.groupFirst(g));
        long[] b = bits[g];
        if (b == null) {
            return i < l.superBlocks(g);
        }
        return (b[i >>> 6] & (1L << i)) != 0;
    }

    /** Whether {@code [block, block+n)} lies in the filesystem and is free. */
    boolean isFree(long block, long n) {
        if (block < l.firstDataBlock || block + n > l.blocksCount) {
            return false;
        }
        for (long x = block; x < block + n; x++) {
            if (isUsed(x)) {
                return false;
            }
        }
        return true;
    }

    void mark(long block, long n) {
        for (long x = block; x < block + n; x++) {
            int g = l.groupOf(x);
            int i = (int) (x - l.groupFirst(g));
            long[] b = group(g, true);
            b[i >>> 6] |= 1L << i;
        }
    }

    /**
     * Whether group {@code g} has a used block other than its superblock copy, descriptors and its own
     * bitmaps and inode table (what the kernel recomputes for a BLOCK_UNINIT group).
     */
    boolean groupTouched(int g) {
        long[] b = bits[g];
        if (b == null) {
            return false;
        }
        long first = l.groupFirst(g);
        int n = l.blocksInGroup(g);
        for (int i = l.superBlocks(g); i < n; i++) {
            if ((b[i >>> 6] & (1L << i)) != 0) {
                long blk = first + i;
                boolean own = blk == l.blockBitmap[g] || blk == l.inodeBitmap[g]
                        || (blk >= l.inodeTable[g] && blk < l.inodeTable[g] + l.inodeTableBlocks);
                if (!own) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Used blocks of group {@code g}. */
    int usedInGroup(int g) {
        long[] b = bits[g];
        if (b == null) {
            return l.superBlocks(g);
        }
        int n = l.blocksInGroup(g);
        int c = 0;
        for (int w = 0; w < b.length; w++) {
            long word = b[w];
            if ((w + 1) * 64 > n) {
                word &= n - w * 64 >= 64 ? -1L : (1L << (n - w * 64)) - 1;
            }
            c += Long.bitCount(word);
        }
        return c;
    }

    /**
     * The group's block bitmap block: a bit per block, bits past the group's end (last group, or
     * blocks per group below 8 x block size) set.
     */
    byte[] bitmapBlock(int g) {
        byte[] out = new byte[l.blockSize];
        long[] b = bits[g];
        int n = l.blocksInGroup(g);
        int sup = l.superBlocks(g);
        for (int i = 0; i < l.blockSize * 8; i++) {
            boolean set = i >= n || (b == null ? i < sup : (b[i >>> 6] & (1L << i)) != 0);
            if (set) {
                out[i >>> 3] |= (byte) (1 << (i & 7));
            }
        }
        return out;
    }

    /** e2fsprogs' ext2fs_get_free_blocks2: first {@code num} free blocks searched from start to finish (wrapping). */
    long findFree(long start, long finish, int num) throws ImageException {
        long b = start == 0 ? l.firstDataBlock : start;
        long fin = finish == 0 ? start : finish;
        long guard = 0;
        do {
            if (b + num - 1 >= l.blocksCount) {
                if (fin > start) {
                    return -1;
                }
                b = l.firstDataBlock;
            }
            if (isFree(b, num)) {
                return b;
            }
            b++;
            if (++guard > l.blocksCount + 1) {
                return -1;
            }
        } while (b != fin);
        return -1;
    }

    private long flexbgOffset(int group, long startBlk, int remGroups, int elemSize) throws ImageException {
        int flexSize = 1 << l.logGroupsPerFlex;
        int flexbg = group / flexSize;
        long size = (long) remGroups * elemSize;
        if (size > l.blocksPerGroup / 4) {
            size = l.blocksPerGroup / 4;
        }
        if (startBlk != 0 && startBlk < l.blocksCount) {
            long f = findFree(startBlk, startBlk + size, elemSize);
            if (f >= 0) {
                return f;
            }
        }
        long start = l.groupFirst(flexSize * flexbg);
        int lastGrp = Math.min(group | (flexSize - 1), l.groups - 1);
        long lastBlk = l.groupLast(lastGrp);
        long f = findFree(start, lastBlk, (int) size);
        if (f >= 0) {
            return f;
        }
        f = findFree(start, lastBlk, elemSize);
        if (f >= 0) {
            return f;
        }
        f = findFree(0, lastBlk, elemSize);
        return Math.max(f, 0);
    }

    /** Places every group's block bitmap, inode bitmap and inode table, as mke2fs does. */
    void placeTables() throws ImageException {
        for (int g = 0; g < l.groups; g++) {
            placeGroup(g);
        }
    }

    private void placeGroup(int g) throws ImageException {
        long groupBlk = l.groupFirst(g);
        long lastBlk = l.groupLast(g);
        long start = groupBlk;
        int flexSize = 0;
        int lastGrp = g;
        int remGroups = 1;
        int tableOffset = 0;
        if (l.flexBg()) {
            flexSize = 1 << l.logGroupsPerFlex;
            lastGrp = Math.min(g | (flexSize - 1), l.groups - 1);
            remGroups = lastGrp - g + 1;
        }
        if (flexSize > 0) {
            long prev = 0;
            tableOffset = flexSize;
            if (g % flexSize != 0) {
                prev = l.blockBitmap[g - 1] + 1;
            } else if (lastGrp == l.groups - 1) {
                tableOffset = lastGrp & (flexSize - 1);
                tableOffset = tableOffset == 0 ? flexSize : tableOffset + 1;
            }
            start = flexbgOffset(g, prev, remGroups, 1);
            lastBlk = l.groupLast(lastGrp);
        }
        long bb = findFree(start, lastBlk, 1);
        if (bb < 0) {
            bb = findFree(groupBlk, lastBlk, 1);
        }
        if (bb < 0) {
            throw ImageException.invalidArgument("no room for the block bitmap of group " + g);
        }
        mark(bb, 1);
        l.blockBitmap[g] = bb;

        if (flexSize > 0) {
            long prev = g % flexSize != 0 ? l.inodeBitmap[g - 1] + 1 : l.blockBitmap[g] + tableOffset;
            start = flexbgOffset(g, prev, remGroups, 1);
            lastBlk = l.groupLast(lastGrp);
        }
        long ib = findFree(start, lastBlk, 1);
        if (ib < 0) {
            ib = findFree(groupBlk, lastBlk, 1);
        }
        if (ib < 0) {
            throw ImageException.invalidArgument("no room for the inode bitmap of group " + g);
        }
        mark(ib, 1);
        l.inodeBitmap[g] = ib;

        if (flexSize > 0) {
            long prev = g % flexSize != 0 ? l.inodeTable[g - 1] + l.inodeTableBlocks : l.inodeBitmap[g] + tableOffset;
            groupBlk = flexbgOffset(g, prev, remGroups, l.inodeTableBlocks);
            lastBlk = l.groupLast(lastGrp);
        }
        long it = findFree(groupBlk, lastBlk, l.inodeTableBlocks);
        if (it < 0) {
            throw ImageException.invalidArgument("no room for the inode table of group " + g
                    + " (too many inodes for this size?)");
        }
        mark(it, l.inodeTableBlocks);
        l.inodeTable[g] = it;
    }

    /** Free blocks in the whole filesystem. */
    long freeBlocks() {
        long used = 0;
        for (int g = 0; g < l.groups; g++) {
            used += usedInGroup(g);
        }
        return l.blocksCount - l.firstDataBlock - used;
    }

    // ---- sequential allocation -----------------------------------------------------------------------

    void setCursor(long block) {
        cursor = block;
    }

    long cursor() {
        return cursor;
    }

    /**
     * Allocates up to {@code max} blocks at the cursor: the first free block at or after it, and as many
     * free blocks after that as are contiguous. Returns {start, length}, or null when the filesystem is full.
     */
    long[] allocRun(long max) {
        long b = cursor;
        while (b < l.blocksCount && isUsed(b)) {
            b = skipUsed(b);
        }
        if (b >= l.blocksCount) {
            return null;
        }
        long n = 0;
        while (n < max && b + n < l.blocksCount && !isUsed(b + n)) {
            n++;
        }
        mark(b, n);
        cursor = b + n;
        return new long[] {b, n};
    }

    /** One block at the cursor, or -1 when full. */
    long allocOne() {
        long[] r = allocRun(1);
        return r == null ? -1 : r[0];
    }

    /** The next block at or after a used block {@code b} worth testing (jumps over whole empty-bitmap groups' backups). */
    private long skipUsed(long b) {
        int g = l.groupOf(b);
        if (bits[g] == null) {
            long afterSuper = l.groupFirst(g) + l.superBlocks(g);
            return Math.max(b + 1, afterSuper);
        }
        return b + 1;
    }
}
