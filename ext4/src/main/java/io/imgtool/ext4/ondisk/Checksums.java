package io.imgtool.ext4.ondisk;

import io.imgtool.core.Crc16;
import io.imgtool.core.Crc32c;

/**
 * Every ext4 metadata checksum, as a compute / verify / set triple in one place (e2fsprogs'
 * {@code csum.c} is the model). crc32c here is the raw form ({@link Crc32c#update}) seeded with the
 * filesystem's checksum seed: {@code s_checksum_seed} with metadata_csum_seed, else crc32c(~0, uuid).
 * Per-inode structures (extent blocks, directory blocks) are seeded further with the inode number
 * and generation ({@link #inodeSeed}).
 *
 * <p>When the filesystem has no metadata_csum every verify answers true and every set does nothing,
 * except the group descriptors, which fall back to crc16 under gdt_csum (uninit_bg).
 */
public final class Checksums {

    private final boolean metadataCsum;
    private final boolean gdtCsum;
    private final int seed;
    private final byte[] uuid;

    private Checksums(boolean metadataCsum, boolean gdtCsum, int seed, byte[] uuid) {
        this.metadataCsum = metadataCsum;
        this.gdtCsum = gdtCsum;
        this.seed = seed;
        this.uuid = uuid;
    }

    public static Checksums of(Superblock sb) {
        byte[] uuid = sb.uuid();
        int seed;
        if (sb.hasIncompat(Features.INCOMPAT_CSUM_SEED)) {
            seed = (int) sb.checksumSeedField();
        } else {
            seed = Crc32c.update(~0, uuid);
        }
        return new Checksums(sb.hasMetadataCsum(), sb.hasRoCompat(Features.RO_COMPAT_GDT_CSUM), seed, uuid);
    }

    /** Whether metadata_csum is on (crc32c on every structure). */
    public boolean enabled() {
        return metadataCsum;
    }

    public int seed() {
        return seed;
    }

    private static int le32(int crc, long v) {
        byte[] b = new byte[4];
        Le.put32(b, 0, v);
        return Crc32c.update(crc, b);
    }

    // ---- superblock -------------------------------------------------------------------------------

    public static long superblock(Superblock sb) {
        return Crc32c.update(~0, sb.raw(), 0, Superblock.CHECKSUM_OFFSET) & 0xffffffffL;
    }

    public boolean verifySuperblock(Superblock sb) {
        return !metadataCsum || superblock(sb) == sb.checksum();
    }

    public void setSuperblock(Superblock sb) {
        if (metadataCsum) {
            sb.setChecksum(superblock(sb));
        }
    }

    // ---- group descriptors ------------------------------------------------------------------------

    /** bg_checksum for group {@code group}: crc32c & 0xFFFF with metadata_csum, crc16 with gdt_csum. */
    public int groupDesc(long group, GroupDescriptor gd) {
        byte[] d = gd.raw();
        if (metadataCsum) {
            int crc = le32(seed, group);
            crc = Crc32c.update(crc, d, 0, GroupDescriptor.CHECKSUM_OFFSET);
            crc = Crc32c.update(crc, new byte[2], 0, 2);
            crc = Crc32c.update(crc, d, GroupDescriptor.CHECKSUM_OFFSET + 2, d.length - GroupDescriptor.CHECKSUM_OFFSET - 2);
            return crc & 0xffff;
        }
        int crc = Crc16.update(0xffff, uuid, 0, 16);
        byte[] g = new byte[4];
        Le.put32(g, 0, group);
        crc = Crc16.update(crc, g, 0, 4);
        crc = Crc16.update(crc, d, 0, GroupDescriptor.CHECKSUM_OFFSET);
        int rest = GroupDescriptor.CHECKSUM_OFFSET + 2;
        if (rest < d.length) {
            crc = Crc16.update(crc, d, rest, d.length - rest);
        }
        return crc & 0xffff;
    }

    public boolean verifyGroupDesc(long group, GroupDescriptor gd) {
        return !(metadataCsum || gdtCsum) || groupDesc(group, gd) == gd.checksum();
    }

    public void setGroupDesc(long group, GroupDescriptor gd) {
        if (metadataCsum || gdtCsum) {
            gd.setChecksum(groupDesc(group, gd));
        }
    }

    // ---- bitmaps ----------------------------------------------------------------------------------

    /** crc32c of the first {@code len} bytes of a bitmap (clusters or inodes per group / 8). */
    public long bitmap(byte[] bitmap, int len) {
        return Crc32c.update(seed, bitmap, 0, len) & 0xffffffffL;
    }

    public boolean verifyBlockBitmap(GroupDescriptor gd, byte[] bitmap, int len) {
        return !metadataCsum || matches(bitmap(bitmap, len), gd.blockBitmapCsum(), gd.hasWideBitmapCsums());
    }

    public void setBlockBitmap(GroupDescriptor gd, byte[] bitmap, int len) {
        if (metadataCsum) {
            gd.setBlockBitmapCsum(bitmap(bitmap, len));
        }
    }

    public boolean verifyInodeBitmap(GroupDescriptor gd, byte[] bitmap, int len) {
        return !metadataCsum || matches(bitmap(bitmap, len), gd.inodeBitmapCsum(), gd.hasWideBitmapCsums());
    }

    public void setInodeBitmap(GroupDescriptor gd, byte[] bitmap, int len) {
        if (metadataCsum) {
            gd.setInodeBitmapCsum(bitmap(bitmap, len));
        }
    }

    private static boolean matches(long computed, long stored, boolean wide) {
        return wide ? computed == stored : (computed & 0xffff) == stored;
    }

    // ---- inodes -----------------------------------------------------------------------------------

    /** The per-inode seed: crc32c(seed, le32 ino, le32 generation). */
    public int inodeSeed(long ino, long generation) {
        return le32(le32(seed, ino), generation);
    }

    /** The full 32-bit inode checksum, with both checksum fields taken as zero. */
    public long inode(long ino, Inode inode) {
        byte[] r = inode.raw();
        int crc = inodeSeed(ino, inode.generation());
        boolean hi = inode.hasChecksumHi();
        int end1 = Inode.CHECKSUM_LO_OFFSET;
        crc = Crc32c.update(crc, r, 0, end1);
        crc = Crc32c.update(crc, new byte[2], 0, 2);
        int from = end1 + 2;
        if (hi) {
            crc = Crc32c.update(crc, r, from, Inode.CHECKSUM_HI_OFFSET - from);
            crc = Crc32c.update(crc, new byte[2], 0, 2);
            from = Inode.CHECKSUM_HI_OFFSET + 2;
        }
        crc = Crc32c.update(crc, r, from, r.length - from);
        long v = crc & 0xffffffffL;
        return hi ? v : v & 0xffff;
    }

    /** Like e2fsprogs, an inode whose first 128 bytes are zero (never written) verifies. */
    public boolean verifyInode(long ino, Inode inode) {
        return !metadataCsum || inode(ino, inode) == inode.checksum() || inode.isZero();
    }

    public void setInode(long ino, Inode inode) {
        if (metadataCsum) {
            inode.setChecksum(inode(ino, inode));
        }
    }

    // ---- extent tree blocks -----------------------------------------------------------------------

    /** Checksum of an extent block: bytes before the tail (at 12 + 12 * eh_max). */
    public long extentBlock(int inodeSeed, byte[] block, ExtentHeader h) {
        return Crc32c.update(inodeSeed, block, 0, h.tailOffset()) & 0xffffffffL;
    }

    public boolean verifyExtentBlock(int inodeSeed, byte[] block, ExtentHeader h) {
        return !metadataCsum || (h.tailOffset() + 4 <= block.length
                && extentBlock(inodeSeed, block, h) == Le.u32(block, h.tailOffset()));
    }

    public void setExtentBlock(int inodeSeed, byte[] block, ExtentHeader h) {
        if (metadataCsum) {
            Le.put32(block, h.tailOffset(), extentBlock(inodeSeed, block, h));
        }
    }

    // ---- directory blocks -------------------------------------------------------------------------

    /** Checksum of a directory leaf block: every byte before the 12-byte tail. */
    public long dirLeaf(int inodeSeed, byte[] block, int blockSize) {
        return Crc32c.update(inodeSeed, block, 0, blockSize - DirTail.SIZE) & 0xffffffffL;
    }

    public boolean verifyDirLeaf(int inodeSeed, byte[] block, int blockSize) {
        return !metadataCsum || dirLeaf(inodeSeed, block, blockSize) == DirTail.parse(block, blockSize).checksum();
    }

    public void setDirLeaf(int inodeSeed, byte[] block, int blockSize) {
        if (metadataCsum) {
            new DirTail(dirLeaf(inodeSeed, block, blockSize)).writeTo(block, blockSize);
        }
    }

    /**
     * Checksum of an htree index block: the bytes up to the end of the used entries, then the tail's
     * reserved word, then four zero bytes in place of the checksum.
     */
    public long dxNode(int inodeSeed, byte[] block, DxNode node) {
        int size = node.countOffset() + node.count() * DxEntry.SIZE;
        int crc = Crc32c.update(inodeSeed, block, 0, size);
        crc = Crc32c.update(crc, block, node.tailOffset(), 4);
        crc = Crc32c.update(crc, new byte[4], 0, 4);
        return crc & 0xffffffffL;
    }

    /** Whether the index block has room for its {@link DxTail}. */
    public static boolean dxHasTail(DxNode node, int blockSize) {
        return node.tailOffset() + DxTail.SIZE <= blockSize;
    }

    public boolean verifyDxNode(int inodeSeed, byte[] block, DxNode node, int blockSize) {
        return !metadataCsum || (dxHasTail(node, blockSize)
                && dxNode(inodeSeed, block, node) == DxTail.parse(block, node.tailOffset()).checksum());
    }

    public void setDxNode(int inodeSeed, byte[] block, DxNode node) {
        if (metadataCsum) {
            DxTail t = DxTail.parse(block, node.tailOffset());
            new DxTail(t.reserved(), dxNode(inodeSeed, block, node)).writeTo(block, node.tailOffset());
        }
    }

    // ---- extended attribute blocks ----------------------------------------------------------------

    /** crc32c(seed, le64 block number, block with h_checksum zeroed). */
    public long xattrBlock(long blockNr, byte[] block) {
        byte[] n = new byte[8];
        Le.put64(n, 0, blockNr);
        int crc = Crc32c.update(seed, n);
        crc = Crc32c.update(crc, block, 0, XattrHeader.CHECKSUM_OFFSET);
        crc = Crc32c.update(crc, new byte[4], 0, 4);
        int from = XattrHeader.CHECKSUM_OFFSET + 4;
        crc = Crc32c.update(crc, block, from, block.length - from);
        return crc & 0xffffffffL;
    }

    public boolean verifyXattrBlock(long blockNr, byte[] block) {
        return !metadataCsum || xattrBlock(blockNr, block) == Le.u32(block, XattrHeader.CHECKSUM_OFFSET);
    }

    public void setXattrBlock(long blockNr, byte[] block) {
        if (metadataCsum) {
            Le.put32(block, XattrHeader.CHECKSUM_OFFSET, xattrBlock(blockNr, block));
        }
    }
}
