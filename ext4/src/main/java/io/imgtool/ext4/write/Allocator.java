package io.imgtool.ext4.write;

import io.imgtool.core.ImageFormatException;
import io.imgtool.ext4.alloc.Bitmap;
import io.imgtool.ext4.alloc.GroupLayout;
import io.imgtool.ext4.internal.FsContext;
import io.imgtool.ext4.internal.Geometry;
import io.imgtool.ext4.ondisk.Features;
import io.imgtool.ext4.ondisk.GroupDescriptor;
import io.imgtool.ext4.ondisk.Superblock;
import java.io.IOException;
import java.util.BitSet;

/**
 * Block and inode allocation over the group bitmaps, with every count, flag and checksum they
 * imply: bitmap bits, bg_free_*_count, bg_used_dirs_count, BLOCK_UNINIT / INODE_UNINIT (the bitmap
 * is built when a group is first used), bg_itable_unused, bitmap and descriptor checksums, and the
 * superblock's free counts.
 *
 * <p>Placement (flex_bg aware): file data is searched from a goal (the block after the file's
 * previous block, else the start of the inode's flex group) so extents stay contiguous; new
 * directories are spread over groups with more than the average free inodes and blocks and the
 * fewest directories; files get inodes in their directory's group.
 */
final class Allocator {

    private final FsContext fs;
    private final Transaction tx;
    private final Geometry geo;
    private final Superblock sb;
    private final GroupLayout layout;
    private final boolean csumGroups;
    /** Groups whose bitmap checksum has been verified, per {@link Kind}. */
    private final BitSet[] verified = {new BitSet(), new BitSet()};
    private final int flexSize;

    Allocator(FsContext fs, Transaction tx) {
        this.fs = fs;
        this.tx = tx;
        this.geo = fs.geo;
        this.sb = fs.sb;
        this.layout = new GroupLayout(sb, geo);
        this.csumGroups = sb.hasGroupDescCsum();
        this.flexSize = sb.hasIncompat(Features.INCOMPAT_FLEX_BG) ? 1 << Math.min(20, sb.logGroupsPerFlex()) : 1;
    }

    long groupOfBlock(long block) {
        return (block - geo.firstDataBlock) / geo.blocksPerGroup;
    }

    /** The first block of the flex group holding inode {@code ino}'s group: where its data goes first. */
    long goalForInode(long ino) {
        long g = geo.inodeGroup(ino);
        g -= g % flexSize;
        return geo.groupFirstBlock(g);
    }

    private GroupDescriptor usableGroup(long g) throws ImageFormatException {
        if (fs.isBadGroup(g)) {
            throw new ImageFormatException("ext4 group descriptor " + g, -1,
                    "refusing to allocate in a damaged group: " + fs.badGroupReason(g));
        }
        return fs.group(g);
    }

    // ---- bitmaps ------------------------------------------------------------------------------

    /** The two bitmaps of a group: they load, verify, initialise and store alike. */
    private enum Kind {
        BLOCK("block", GroupDescriptor.BLOCK_UNINIT, "bg_block_bitmap_csum"),
        INODE("inode", GroupDescriptor.INODE_UNINIT, "bg_inode_bitmap_csum");

        final String name;
        final int uninitFlag;
        final String csumField;

        Kind(String name, int uninitFlag, String csumField) {
            this.name = name;
            this.uninitFlag = uninitFlag;
            this.csumField = csumField;
        }

        long location(GroupDescriptor gd) {
            return this == BLOCK ? gd.blockBitmap() : gd.inodeBitmap();
        }

        long storedCsum(GroupDescriptor gd) {
            return this == BLOCK ? gd.blockBitmapCsum() : gd.inodeBitmapCsum();
        }
    }

    /** Bytes of a bitmap that its checksum covers. */
    private int bitmapBytes(Kind k) {
        return (int) ((k == Kind.BLOCK ? sb.clustersPerGroup() : geo.inodesPerGroup) / 8);
    }

    /** The block bitmap of group {@code g} for reading (computed for BLOCK_UNINIT groups). */
    byte[] blockBitmapForRead(long g) throws IOException {
        GroupDescriptor gd = fs.group(g);
        if (csumGroups && gd.hasFlag(GroupDescriptor.BLOCK_UNINIT)) {
            byte[] b = new byte[geo.blockSize];
            layout.initBlockBitmap(g, allGroups(), b);
            return b;
        }
        return load(Kind.BLOCK, g, gd);
    }

    /** A bitmap as stored, its checksum verified the first time (unless this run changed it). */
    private byte[] load(Kind k, long g, GroupDescriptor gd) throws IOException {
        long blk = k.location(gd);
        String where = k.name + " bitmap of group " + g + " (block " + blk + ")";
        byte[] b = fs.cache.get(blk, where);
        BitSet done = verified[k.ordinal()];
        if (!done.get((int) g) && !fs.cache.isDirty(blk)) {
            boolean ok = k == Kind.BLOCK ? fs.csums.verifyBlockBitmap(gd, b, bitmapBytes(k))
                    : fs.csums.verifyInodeBitmap(gd, b, bitmapBytes(k));
            if (!ok) {
                throw new ImageFormatException(where, k.csumField, fs.blockOffset(blk),
                        String.format("0x%x", k.storedCsum(gd)), "checksum mismatch: refusing to change this group");
            }
            done.set((int) g);
        }
        return b;
    }

    /** A bitmap of group {@code g} to modify (built and installed for an uninitialised one). */
    private byte[] forWrite(Kind k, long g) throws IOException {
        GroupDescriptor gd = usableGroup(g);
        long blk = k.location(gd);
        if (csumGroups && gd.hasFlag(k.uninitFlag)) {
            byte[] b = tx.overwrite(blk, MetaKind.BITMAP);
            if (k == Kind.BLOCK) {
                layout.initBlockBitmap(g, allGroups(), b);
            } else {
                layout.initInodeBitmap(b);
            }
            tx.touchGroup(g);
            gd.setFlags(gd.flags() & ~k.uninitFlag);
            return b;
        }
        load(k, g, gd);
        return tx.modify(blk, MetaKind.BITMAP, k.name + " bitmap of group " + g);
    }

    private GroupDescriptor[] allGroups() {
        GroupDescriptor[] all = new GroupDescriptor[fs.groupCount()];
        for (int i = 0; i < all.length; i++) {
            all[i] = fs.group(i);
        }
        return all;
    }

    /** Stores the bitmap's new checksum in its descriptor and the descriptor in the transaction. */
    private void store(Kind k, long g, byte[] bitmap) throws IOException {
        GroupDescriptor gd = fs.group(g);
        tx.touchGroup(g);
        if (k == Kind.BLOCK) {
            fs.csums.setBlockBitmap(gd, bitmap, bitmapBytes(k));
        } else {
            fs.csums.setInodeBitmap(gd, bitmap, bitmapBytes(k));
        }
        tx.storeGroup(g);
    }

    // ---- blocks -------------------------------------------------------------------------------

    /**
     * Allocates up to {@code count} contiguous blocks, the first free run at or after {@code goal}
     * (wrapping around the filesystem). Returns {start, length}, length at least 1.
     *
     * @throws NoSpaceException when no block is free
     */
    long[] allocBlocks(long goal, long count, String forWhat) throws IOException {
        if (count <= 0) {
            throw new IllegalArgumentException("count " + count);
        }
        if (sb.freeBlocksCount() == 0) {
            throw new NoSpaceException(forWhat, "no free blocks");
        }
        if (goal < geo.firstDataBlock || goal >= geo.blocksCount) {
            goal = geo.firstDataBlock;
        }
        long g0 = groupOfBlock(goal);
        long n = geo.groupCount;
        for (long k = 0; k <= n; k++) {
            long g = (g0 + k) % n;
            GroupDescriptor gd = fs.group(g);
            if (gd.freeBlocksCount() == 0 || fs.isBadGroup(g)) {
                continue;
            }
            int from = k == 0 ? (int) (goal - geo.groupFirstBlock(g)) : 0;
            if (k == n) {
                from = 0; // second look at the goal's group, before the goal
            }
            byte[] bm = blockBitmapForRead(g);
            int inGroup = (int) geo.blocksInGroup(g);
            Bitmap view = new Bitmap(bm, inGroup);
            int i = view.nextClear(from);
            if (i < 0) {
                continue;
            }
            int j = i + 1;
            while (j < inGroup && j - i < count && !view.get(j)) {
                j++;
            }
            return take(g, i, j - i);
        }
        throw new NoSpaceException(forWhat, "no free blocks (superblock says " + sb.freeBlocksCount() + ")");
    }

    private long[] take(long g, int index, int len) throws IOException {
        byte[] bm = forWrite(Kind.BLOCK, g);
        Bitmap view = new Bitmap(bm, (int) geo.blocksInGroup(g));
        for (int i = index; i < index + len; i++) {
            if (view.get(i)) {
                throw new IllegalStateException("block " + (geo.groupFirstBlock(g) + i) + " already in use");
            }
            view.set(i);
        }
        GroupDescriptor gd = fs.group(g);
        tx.touchGroup(g);
        gd.setFreeBlocksCount(gd.freeBlocksCount() - len);
        store(Kind.BLOCK, g, bm);
        sb.setFreeBlocksCount(sb.freeBlocksCount() - len);
        long start = geo.groupFirstBlock(g) + index;
        tx.noteAllocated(start, len);
        return new long[] {start, len};
    }

    /** Frees blocks now (at commit): clears their bits and raises the counts. */
    void freeBlocksNow(long start, long len) throws IOException {
        long pos = start;
        long end = start + len;
        while (pos < end) {
            if (pos < geo.firstDataBlock || pos >= geo.blocksCount) {
                throw new ImageFormatException("block " + pos, -1, "freeing a block outside the filesystem");
            }
            long g = groupOfBlock(pos);
            long gStart = geo.groupFirstBlock(g);
            long gEnd = gStart + geo.blocksInGroup(g);
            long to = Math.min(end, gEnd);
            byte[] bm = forWrite(Kind.BLOCK, g);
            Bitmap view = new Bitmap(bm, (int) geo.blocksInGroup(g));
            for (long b = pos; b < to; b++) {
                int i = (int) (b - gStart);
                if (!view.get(i)) {
                    throw new ImageFormatException("block bitmap of group " + g, -1,
                            "block " + b + " freed twice (already free in the bitmap)");
                }
                view.clear(i);
            }
            GroupDescriptor gd = fs.group(g);
            tx.touchGroup(g);
            gd.setFreeBlocksCount(gd.freeBlocksCount() + (to - pos));
            store(Kind.BLOCK, g, bm);
            sb.setFreeBlocksCount(sb.freeBlocksCount() + (to - pos));
            for (long b = pos; b < to; b++) {
                fs.cache.drop(b);
            }
            pos = to;
        }
    }

    // ---- inodes -------------------------------------------------------------------------------

    /**
     * Allocates an inode for a new file ({@code dir} false) or directory near its parent.
     *
     * @throws NoSpaceException when no inode is free
     */
    long allocInode(long parentIno, boolean dir, String forWhat) throws IOException {
        if (sb.freeInodesCount() == 0) {
            throw new NoSpaceException(forWhat, "no free inodes");
        }
        long n = geo.groupCount;
        long parentGroup = geo.inodeGroup(parentIno);
        long start = parentGroup;
        if (dir) {
            start = pickDirGroup(parentGroup, parentIno == 2);
        }
        for (long k = 0; k < n; k++) {
            long g = (start + k) % n;
            GroupDescriptor gd = fs.group(g);
            if (gd.freeInodesCount() == 0 || fs.isBadGroup(g)) {
                continue;
            }
            long ino = tryGroup(g, dir);
            if (ino > 0) {
                return ino;
            }
        }
        throw new NoSpaceException(forWhat, "no free inodes (superblock says " + sb.freeInodesCount() + ")");
    }

    /** Orlov-like: a group with at least average free inodes and blocks and the fewest directories. */
    private long pickDirGroup(long parentGroup, boolean topLevel) {
        long n = geo.groupCount;
        long freeI = sb.freeInodesCount() / n;
        long freeB = sb.freeBlocksCount() / n;
        if (!topLevel) {
            GroupDescriptor p = fs.group(parentGroup);
            if (p.freeInodesCount() >= freeI && p.freeBlocksCount() >= freeB && !fs.isBadGroup(parentGroup)) {
                return parentGroup;
            }
        }
        long best = -1;
        long bestDirs = Long.MAX_VALUE;
        for (long k = 0; k < n; k++) {
            long g = (parentGroup + 1 + k) % n;
            GroupDescriptor gd = fs.group(g);
            if (fs.isBadGroup(g) || gd.freeInodesCount() == 0) {
                continue;
            }
            if (gd.freeInodesCount() >= freeI && gd.freeBlocksCount() >= freeB && gd.usedDirsCount() < bestDirs) {
                best = g;
                bestDirs = gd.usedDirsCount();
            }
        }
        return best >= 0 ? best : parentGroup;
    }

    private long tryGroup(long g, boolean dir) throws IOException {
        GroupDescriptor gd = fs.group(g);
        int ipg = (int) geo.inodesPerGroup;
        int first = g == 0 ? (int) Math.min(ipg, sb.firstIno() - 1) : 0;
        int idx;
        if (csumGroups && gd.hasFlag(GroupDescriptor.INODE_UNINIT)) {
            idx = first;
        } else {
            byte[] bm = load(Kind.INODE, g, gd);
            idx = new Bitmap(bm, ipg).nextClear(first);
            if (idx < 0) {
                return -1;
            }
        }
        byte[] bm = forWrite(Kind.INODE, g);
        Bitmap view = new Bitmap(bm, ipg);
        if (view.get(idx)) {
            return -1;
        }
        view.set(idx);
        tx.touchGroup(g);
        gd.setFreeInodesCount(gd.freeInodesCount() - 1);
        if (dir) {
            gd.setUsedDirsCount(gd.usedDirsCount() + 1);
        }
        if (csumGroups) {
            long unused = gd.itableUnused();
            if (idx >= ipg - unused) {
                gd.setItableUnused(ipg - idx - 1L);
            }
        }
        store(Kind.INODE, g, bm);
        sb.setFreeInodesCount(sb.freeInodesCount() - 1);
        return g * geo.inodesPerGroup + idx + 1;
    }

    /** Frees an inode now (at commit): clears its bit and raises the counts. */
    void freeInodeNow(long ino, boolean dir) throws IOException {
        long g = geo.inodeGroup(ino);
        int idx = (int) geo.inodeIndex(ino);
        byte[] bm = forWrite(Kind.INODE, g);
        Bitmap view = new Bitmap(bm, (int) geo.inodesPerGroup);
        if (!view.get(idx)) {
            throw new ImageFormatException("inode bitmap of group " + g, -1, "inode " + ino + " freed twice");
        }
        view.clear(idx);
        GroupDescriptor gd = fs.group(g);
        tx.touchGroup(g);
        gd.setFreeInodesCount(gd.freeInodesCount() + 1);
        if (dir) {
            gd.setUsedDirsCount(Math.max(0, gd.usedDirsCount() - 1));
        }
        store(Kind.INODE, g, bm);
        sb.setFreeInodesCount(sb.freeInodesCount() + 1);
    }

    /** Whether inode {@code ino} is marked in use in its bitmap. */
    boolean inodeInUse(long ino) throws IOException {
        long g = geo.inodeGroup(ino);
        GroupDescriptor gd = fs.group(g);
        if (csumGroups && gd.hasFlag(GroupDescriptor.INODE_UNINIT)) {
            return false;
        }
        return new Bitmap(load(Kind.INODE, g, gd), (int) geo.inodesPerGroup).get((int) geo.inodeIndex(ino));
    }
}
