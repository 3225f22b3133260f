package io.imgtool.ext4.alloc;

import io.imgtool.core.Allocation;
import io.imgtool.core.Extent;
import io.imgtool.core.ImageFormatException;
import io.imgtool.ext4.internal.FsContext;
import io.imgtool.ext4.internal.Geometry;
import io.imgtool.ext4.ondisk.GroupDescriptor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The free blocks of a filesystem as device byte ranges, from the block bitmaps (built for
 * BLOCK_UNINIT groups). Because a caller may drop these ranges from an image, every bitmap must pass
 * its checksum and agree with its group's free count; otherwise nothing is reported.
 */
public final class FreeSpace {

    private FreeSpace() {
    }

    /** Free ranges, ascending and merged, with allocation {@link Allocation#UNALLOCATED}. */
    public static List<Extent> extents(FsContext fs) throws IOException {
        return scan(fs, null);
    }

    /**
     * Like {@link #extents}, but a group whose block bitmap lies outside the filesystem, fails its
     * checksum or disagrees with the group's free count is left out (its blocks count as used) and
     * named in {@code problems}, instead of failing the whole map. For a reader that drops free space
     * from a copy and would rather keep a doubtful group than drop nothing.
     */
    public static List<Extent> extentsSkippingBadGroups(FsContext fs, List<String> problems) throws IOException {
        return scan(fs, problems);
    }

    private static List<Extent> scan(FsContext fs, List<String> problems) throws IOException {
        Geometry geo = fs.geo;
        GroupLayout layout = new GroupLayout(fs.sb, geo);
        GroupDescriptor[] all = new GroupDescriptor[fs.groupCount()];
        for (int i = 0; i < all.length; i++) {
            all[i] = fs.group(i);
        }
        boolean csumGroups = fs.sb.hasGroupDescCsum();
        int bitmapBytes = (int) (fs.sb.clustersPerGroup() / 8);
        List<Extent> out = new ArrayList<>();
        long bs = geo.blockSize;
        long runStart = -1;
        long runEnd = -1;
        for (long g = 0; g < geo.groupCount; g++) {
            GroupDescriptor gd = fs.group(g);
            if (fs.isBadGroup(g)) {
                throw new ImageFormatException("ext4 group descriptor " + g, -1,
                        "damaged group: free space cannot be trusted (" + fs.badGroupReason(g) + ")");
            }
            byte[] bm;
            if (csumGroups && gd.hasFlag(GroupDescriptor.BLOCK_UNINIT)) {
                bm = new byte[geo.blockSize];
                layout.initBlockBitmap(g, all, bm);
            } else {
                long blk = gd.blockBitmap();
                if (problems != null && (blk <= 0 || blk >= geo.blocksCount)) {
                    problems.add("group " + g + ": block bitmap at block " + blk + " lies outside the filesystem; left as it is");
                    continue;
                }
                String where = "block bitmap of group " + g + " (block " + blk + ")";
                bm = fs.cache.get(blk, where);
                if (!fs.cache.isDirty(blk) && !fs.csums.verifyBlockBitmap(gd, bm, bitmapBytes)) {
                    if (problems != null) {
                        problems.add("group " + g + ": block bitmap checksum mismatch; left as it is");
                        continue;
                    }
                    throw new ImageFormatException(where, "bg_block_bitmap_csum", fs.blockOffset(blk),
                            String.format("0x%x", gd.blockBitmapCsum()), "checksum mismatch: free space cannot be trusted");
                }
            }
            int inGroup = (int) geo.blocksInGroup(g);
            Bitmap view = new Bitmap(bm, inGroup);
            long free = inGroup - view.countSet(0, inGroup);
            if (free != gd.freeBlocksCount()) {
                if (problems != null) {
                    problems.add("group " + g + ": bitmap has " + free + " free blocks, descriptor says "
                            + gd.freeBlocksCount() + "; left as it is");
                    continue;
                }
                throw new ImageFormatException("ext4 group descriptor " + g, "bg_free_blocks_count", -1,
                        gd.freeBlocksCount(), "the bitmap has " + free + " free blocks: free space cannot be trusted "
                        + "(run e2fsck)");
            }
            long first = geo.groupFirstBlock(g);
            int i = view.nextClear(0);
            while (i >= 0) {
                int j = view.nextSet(i);
                if (j < 0) {
                    j = inGroup;
                }
                long s = first + i;
                long e = first + j;
                if (s == runEnd) {
                    runEnd = e;
                } else {
                    if (runStart >= 0) {
                        out.add(new Extent(runStart * bs, (runEnd - runStart) * bs, Allocation.UNALLOCATED));
                    }
                    runStart = s;
                    runEnd = e;
                }
                i = j < inGroup ? view.nextClear(j) : -1;
            }
        }
        if (runStart >= 0) {
            out.add(new Extent(runStart * bs, (runEnd - runStart) * bs, Allocation.UNALLOCATED));
        }
        return out;
    }
}
