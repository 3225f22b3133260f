package io.imgtool.ext4.alloc;

import io.imgtool.ext4.internal.Geometry;
import io.imgtool.ext4.ondisk.Features;
import io.imgtool.ext4.ondisk.GroupDescriptor;
import io.imgtool.ext4.ondisk.Superblock;
import java.util.function.LongConsumer;

/**
 * Which blocks of a block group hold filesystem metadata that no bitmap of an uninitialised group
 * records: the superblock backup and group descriptor copies (classic layout with reserved GDT
 * blocks, or meta_bg), and the block bitmaps, inode bitmaps and inode tables of any group that lie
 * inside it (flex_bg packs them into the first group of a flex group). Facts as e2fsprogs'
 * {@code ext2fs_super_and_bgd_loc2} and the kernel's {@code ext4_init_block_bitmap}.
 */
public final class GroupLayout {

    private final Superblock sb;
    private final Geometry geo;

    public GroupLayout(Superblock sb, Geometry geo) {
        this.sb = sb;
        this.geo = geo;
    }

    /** Calls {@code out} with every block of {@code group} that holds a superblock or descriptor copy. */
    public void superAndDescriptors(long group, LongConsumer out) {
        long start = geo.groupFirstBlock(group);
        if (start == 0 && geo.blockSize == 1024) {
            start = 1;
        }
        boolean hasSuper = geo.hasSuper(group);
        boolean metaBg = sb.hasIncompat(Features.INCOMPAT_META_BG);
        long oldDescBlocks = metaBg ? sb.firstMetaBg() : geo.gdtBlocks() + sb.reservedGdtBlocks();
        if (hasSuper) {
            out.accept(start);
        }
        long perMeta = geo.descPerBlock;
        long metaGroup = group / perMeta;
        if (!metaBg || metaGroup < sb.firstMetaBg()) {
            if (hasSuper) {
                for (long b = start + 1; b < start + 1 + oldDescBlocks && b < geo.blocksCount; b++) {
                    out.accept(b);
                }
            }
        } else {
            long r = group % perMeta;
            if (r == 0 || r == 1 || r == perMeta - 1) {
                out.accept(start + (hasSuper ? 1 : 0));
            }
        }
    }

    /**
     * Builds the block bitmap of a BLOCK_UNINIT group into {@code bitmap} (zeroed first): superblock
     * and descriptor copies, metadata of every group lying inside it, padding past the group's end.
     */
    public void initBlockBitmap(long group, GroupDescriptor[] groups, byte[] bitmap) {
        java.util.Arrays.fill(bitmap, (byte) 0);
        long start = geo.groupFirstBlock(group);
        int inGroup = (int) geo.blocksInGroup(group);
        Bitmap bm = new Bitmap(bitmap, inGroup);
        LongConsumer mark = b -> {
            long i = b - start;
            if (i >= 0 && i < inGroup) {
                bm.set((int) i);
            }
        };
        superAndDescriptors(group, mark);
        long itb = geo.inodeTableBlocks();
        for (GroupDescriptor gd : groups) {
            mark.accept(gd.blockBitmap());
            mark.accept(gd.inodeBitmap());
            long it = gd.inodeTable();
            long from = Math.max(it, start);
            long to = Math.min(it + itb, start + inGroup);
            for (long b = from; b < to; b++) {
                mark.accept(b);
            }
        }
        bm.setPadding();
    }

    /** Builds the inode bitmap of an INODE_UNINIT group: nothing in use, padding set. */
    public void initInodeBitmap(byte[] bitmap) {
        java.util.Arrays.fill(bitmap, (byte) 0);
        new Bitmap(bitmap, (int) geo.inodesPerGroup).setPadding();
    }
}
