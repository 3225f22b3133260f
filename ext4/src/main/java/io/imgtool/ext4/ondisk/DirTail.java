package io.imgtool.ext4.ondisk;

/**
 * The 12-byte checksum tail of a directory leaf block under metadata_csum: a fake entry with inode
 * 0, rec_len 12, name_len 0, file type 0xDE, then the crc32c.
 */
public record DirTail(long checksum) {

    public static final int SIZE = 12;

    /** Whether the last 12 bytes of {@code block} form a tail (e2fsprogs' test). */
    public static boolean isPresent(byte[] block, int blockSize) {
        int off = blockSize - SIZE;
        return Le.u32(block, off) == 0 && DirEntry.decodeRecLen(Le.u16(block, off + 4), blockSize) == SIZE
                && Le.u8(block, off + 6) == 0 && Le.u8(block, off + 7) == DirEntry.FT_DIR_CSUM;
    }

    public static DirTail parse(byte[] block, int blockSize) {
        return new DirTail(Le.u32(block, blockSize - 4));
    }

    public void writeTo(byte[] block, int blockSize) {
        int off = blockSize - SIZE;
        Le.put32(block, off, 0);
        Le.put16(block, off + 4, DirEntry.encodeRecLen(SIZE, blockSize));
        Le.put8(block, off + 6, 0);
        Le.put8(block, off + 7, DirEntry.FT_DIR_CSUM);
        Le.put32(block, off + 8, checksum);
    }
}
