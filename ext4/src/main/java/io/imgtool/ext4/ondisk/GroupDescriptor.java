package io.imgtool.ext4.ondisk;

import java.nio.ByteBuffer;

/**
 * One block group descriptor: 32 bytes, or {@code s_desc_size} (64+) with the 64bit feature, whose
 * upper half carries the high words. Raw-backed: bytes past the known fields survive {@link #writeTo}.
 */
public final class GroupDescriptor {

    /** bg_flags bits. */
    public static final int INODE_UNINIT = 0x1;
    public static final int BLOCK_UNINIT = 0x2;
    public static final int ITABLE_ZEROED = 0x4;
    /** Offset of bg_checksum. */
    public static final int CHECKSUM_OFFSET = 0x1E;

    private final byte[] raw;
    private final boolean wide;

    private GroupDescriptor(byte[] raw) {
        this.raw = raw;
        this.wide = raw.length >= 64;
    }

    /** Copies {@code size} bytes (32 or the superblock's desc size) from {@code src}'s position (not moved). */
    public static GroupDescriptor parse(ByteBuffer src, int size) {
        byte[] b = new byte[size];
        src.get(src.position(), b);
        return new GroupDescriptor(b);
    }

    public void writeTo(ByteBuffer dst) {
        dst.put(dst.position(), raw);
    }

    public int size() {
        return raw.length;
    }

    byte[] raw() {
        return raw;
    }

    private long lohi(int lo, int hi) {
        long v = Le.u32(raw, lo);
        return wide ? v | Le.u32(raw, hi) << 32 : v;
    }

    private long lohi16(int lo, int hi) {
        long v = Le.u16(raw, lo);
        return wide ? v | (long) Le.u16(raw, hi) << 16 : v;
    }

    public long blockBitmap() {
        return lohi(0x0, 0x20);
    }

    public long inodeBitmap() {
        return lohi(0x4, 0x24);
    }

    public long inodeTable() {
        return lohi(0x8, 0x28);
    }

    public long freeBlocksCount() {
        return lohi16(0xC, 0x2C);
    }

    public long freeInodesCount() {
        return lohi16(0xE, 0x2E);
    }

    public long usedDirsCount() {
        return lohi16(0x10, 0x30);
    }

    public int flags() {
        return Le.u16(raw, 0x12);
    }

    public boolean hasFlag(int flag) {
        return (flags() & flag) != 0;
    }

    public long excludeBitmap() {
        return lohi(0x14, 0x34);
    }

    /** Block bitmap checksum: low 16 bits, plus the high 16 with 64-byte descriptors. */
    public long blockBitmapCsum() {
        return lohi16(0x18, 0x38);
    }

    public long inodeBitmapCsum() {
        return lohi16(0x1A, 0x3A);
    }

    public long itableUnused() {
        return lohi16(0x1C, 0x32);
    }

    public int checksum() {
        return Le.u16(raw, CHECKSUM_OFFSET);
    }

    public void setChecksum(int crc16) {
        Le.put16(raw, CHECKSUM_OFFSET, crc16);
    }

    public void setBlockBitmapCsum(long crc) {
        Le.put16(raw, 0x18, (int) crc);
        if (wide) {
            Le.put16(raw, 0x38, (int) (crc >>> 16));
        }
    }

    public void setInodeBitmapCsum(long crc) {
        Le.put16(raw, 0x1A, (int) crc);
        if (wide) {
            Le.put16(raw, 0x3A, (int) (crc >>> 16));
        }
    }

    /** Whether the bitmap checksums have their high halves (64-byte descriptors). */
    public boolean hasWideBitmapCsums() {
        return wide;
    }

    // ---- writer (issue 5) -------------------------------------------------------------------------

    private void putLohi16(int lo, int hi, long v) {
        Le.put16(raw, lo, (int) v);
        if (wide) {
            Le.put16(raw, hi, (int) (v >>> 16));
        }
    }

    public void setFreeBlocksCount(long v) {
        putLohi16(0xC, 0x2C, v);
    }

    public void setFreeInodesCount(long v) {
        putLohi16(0xE, 0x2E, v);
    }

    public void setUsedDirsCount(long v) {
        putLohi16(0x10, 0x30, v);
    }

    public void setItableUnused(long v) {
        putLohi16(0x1C, 0x32, v);
    }

    public void setFlags(int flags) {
        Le.put16(raw, 0x12, flags);
    }

    /** The raw descriptor bytes (a copy). */
    public byte[] toBytes() {
        return raw.clone();
    }

    /** Replaces the raw bytes with {@code bytes} (same size), e.g. to roll back an in-memory change. */
    public void restore(byte[] bytes) {
        if (bytes.length != raw.length) {
            throw new IllegalArgumentException("descriptor is " + raw.length + " bytes");
        }
        System.arraycopy(bytes, 0, raw, 0, raw.length);
    }
}
