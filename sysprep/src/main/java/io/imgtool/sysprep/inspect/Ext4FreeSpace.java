package io.imgtool.sysprep.inspect;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.Extent;
import io.imgtool.core.Allocation;
import io.imgtool.core.ImageFormatException;
import io.imgtool.ext4.internal.Geometry;
import io.imgtool.ext4.ondisk.Checksums;
import io.imgtool.ext4.ondisk.Features;
import io.imgtool.ext4.ondisk.GroupDescriptor;
import io.imgtool.ext4.ondisk.Superblock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The free blocks of an ext2/3/4 filesystem as byte ranges of its device, read from the block
 * bitmaps (read-only; what the seal pipeline leaves out of its output).
 *
 * <p>Dropping a block that is in use loses data, so this refuses rather than guesses: a filesystem
 * whose journal needs recovery, that is not marked clean, that has errors recorded, or uses bigalloc
 * yields {@link Result#skipped} with the reason. A group whose bitmap fails its checksum or whose
 * free count disagrees with its descriptor contributes nothing (and is named in
 * {@link Result#problems}). A group with {@code BLOCK_UNINIT} has no bitmap on disk: its used blocks
 * are computed as e2fsprogs does (superblock and descriptor copies, reserved descriptor blocks,
 * meta_bg descriptor blocks, and the bitmaps and inode tables of any group placed there).
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
        Geometry geo = new Geometry(sb);
        Checksums cs = Checksums.of(sb);
        int bs = geo.blockSize;
        List<GroupDescriptor> gds = descriptors(dev, geo, cs);
        List<Extent> out = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        long total = 0;
        int bitmapBytes = (int) (geo.blocksPerGroup / 8);
        byte[] bitmap = new byte[bs];
        for (long g = 0; g < geo.groupCount; g++) {
            GroupDescriptor gd = gds.get((int) g);
            long first = geo.groupFirstBlock(g);
            long n = geo.blocksInGroup(g);
            BitSet used;
            if (cs.enabled() || sb.hasRoCompat(Features.RO_COMPAT_GDT_CSUM)) {
                if (gd.hasFlag(GroupDescriptor.BLOCK_UNINIT)) {
                    used = uninitUsed(geo, sb, gds, g);
                } else {
                    used = bitmap(dev, geo, gd, g, bitmap, bitmapBytes, cs, problems);
                }
            } else {
                used = bitmap(dev, geo, gd, g, bitmap, bitmapBytes, cs, problems);
            }
            if (used == null) {
                continue;
            }
            long freeInGroup = n - used.get(0, (int) n).cardinality();
            if (freeInGroup != gd.freeBlocksCount()) {
                problems.add("group " + g + ": bitmap has " + freeInGroup + " free blocks, descriptor says "
                        + gd.freeBlocksCount() + "; left as it is");
                continue;
            }
            int i = used.nextClearBit(0);
            while (i < n) {
                int end = used.nextSetBit(i);
                if (end < 0 || end > n) {
                    end = (int) n;
                }
                long off = Math.multiplyExact(first + i, (long) bs);
                long len = (long) (end - i) * bs;
                appendMerged(out, new Extent(off, len, Allocation.UNALLOCATED));
                total += len;
                i = used.nextClearBit(end);
            }
        }
        return new Result(out, total, "", problems);
    }

    private static Result skipped(String why) {
        return new Result(List.of(), 0, why, List.of());
    }

    private static void appendMerged(List<Extent> out, Extent e) {
        if (!out.isEmpty()) {
            Extent last = out.get(out.size() - 1);
            if (last.end() == e.offset()) {
                out.set(out.size() - 1, new Extent(last.offset(), last.length() + e.length(), Allocation.UNALLOCATED));
                return;
            }
        }
        out.add(e);
    }

    private static List<GroupDescriptor> descriptors(BlockDevice dev, Geometry geo, Checksums cs) throws IOException {
        List<GroupDescriptor> out = new ArrayList<>();
        int bs = geo.blockSize;
        byte[] block = new byte[bs];
        for (long i = 0; i < geo.descriptorBlockCount(); i++) {
            long blk = geo.descriptorBlock(i);
            if (blk >= geo.blocksCount) {
                throw new ImageFormatException("ext4 group descriptor block " + i, "location", -1, blk,
                        "outside the filesystem");
            }
            dev.read(ByteBuffer.wrap(block), blk * bs);
            for (int j = 0; j < geo.descPerBlock && out.size() < geo.groupCount; j++) {
                GroupDescriptor gd = GroupDescriptor.parse(ByteBuffer.wrap(block, j * geo.descSize, geo.descSize), geo.descSize);
                long g = out.size();
                if (cs.enabled() && !cs.verifyGroupDesc(g, gd)) {
                    throw new ImageFormatException("ext4 group descriptor " + g, "bg_checksum", blk * bs + (long) j * geo.descSize,
                            gd.checksum(), "checksum mismatch");
                }
                out.add(gd);
            }
        }
        return out;
    }

    private static BitSet bitmap(BlockDevice dev, Geometry geo, GroupDescriptor gd, long g, byte[] buf, int bitmapBytes,
                                 Checksums cs, List<String> problems) throws IOException {
        long blk = gd.blockBitmap();
        if (blk <= 0 || blk >= geo.blocksCount) {
            problems.add("group " + g + ": block bitmap at block " + blk + " lies outside the filesystem; left as it is");
            return null;
        }
        dev.read(ByteBuffer.wrap(buf), blk * geo.blockSize);
        if (cs.enabled() && !cs.verifyBlockBitmap(gd, buf, bitmapBytes)) {
            problems.add("group " + g + ": block bitmap checksum mismatch; left as it is");
            return null;
        }
        return BitSet.valueOf(java.util.Arrays.copyOf(buf, bitmapBytes));
    }

    /** The used blocks of a BLOCK_UNINIT group, computed as e2fsprogs' ext2fs_super_and_bgd_loc2 does. */
    private static BitSet uninitUsed(Geometry geo, Superblock sb, List<GroupDescriptor> gds, long g) {
        long first = geo.groupFirstBlock(g);
        long n = geo.blocksInGroup(g);
        BitSet used = new BitSet((int) n);
        long descBlocks = geo.gdtBlocks();
        if (geo.hasSuper(g)) {
            long old = geo.metaBg ? Math.min(geo.firstMetaBg, descBlocks) : descBlocks + sb.reservedGdtBlocks();
            mark(used, first, n, first, 1 + old);
        }
        if (geo.metaBg) {
            long metaGroup = g / geo.descPerBlock;
            long idx = g % geo.descPerBlock;
            if (metaGroup >= geo.firstMetaBg && (idx == 0 || idx == 1 || idx == geo.descPerBlock - 1)) {
                mark(used, first, n, first + (geo.hasSuper(g) ? 1 : 0), 1);
            }
        }
        long itb = geo.inodeTableBlocks();
        for (GroupDescriptor d : gds) {
            mark(used, first, n, d.blockBitmap(), 1);
            mark(used, first, n, d.inodeBitmap(), 1);
            mark(used, first, n, d.inodeTable(), itb);
        }
        return used;
    }

    private static void mark(BitSet used, long groupFirst, long n, long from, long count) {
        long a = Math.max(from, groupFirst);
        long b = Math.min(from + count, groupFirst + n);
        if (a < b) {
            used.set((int) (a - groupFirst), (int) (b - groupFirst));
        }
    }
}
