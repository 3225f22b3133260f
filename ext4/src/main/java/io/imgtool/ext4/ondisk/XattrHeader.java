package io.imgtool.ext4.ondisk;

/**
 * The 32-byte header of an extended attribute block: magic 0xEA020000, reference count (blocks are
 * shared between inodes with identical attributes), block count (1), hash, checksum, reserved.
 */
public record XattrHeader(long magic, long refcount, long blocks, long hash, long checksum, byte[] reserved) {

    public static final int SIZE = 32;
    public static final long MAGIC = 0xEA020000L;
    public static final int CHECKSUM_OFFSET = 0x10;

    public static XattrHeader parse(byte[] b) {
        byte[] res = new byte[12];
        System.arraycopy(b, 0x14, res, 0, 12);
        return new XattrHeader(Le.u32(b, 0), Le.u32(b, 4), Le.u32(b, 8), Le.u32(b, 0xC), Le.u32(b, 0x10), res);
    }

    public void writeTo(byte[] b) {
        Le.put32(b, 0, magic);
        Le.put32(b, 4, refcount);
        Le.put32(b, 8, blocks);
        Le.put32(b, 0xC, hash);
        Le.put32(b, 0x10, checksum);
        System.arraycopy(reserved, 0, b, 0x14, 12);
    }
}
