package io.imgtool.ext4.ondisk;

/** The 8-byte checksum tail after the entry array of an htree index block (metadata_csum). */
public record DxTail(long reserved, long checksum) {

    public static final int SIZE = 8;

    public static DxTail parse(byte[] b, int off) {
        return new DxTail(Le.u32(b, off), Le.u32(b, off + 4));
    }

    public void writeTo(byte[] b, int off) {
        Le.put32(b, off, reserved);
        Le.put32(b, off + 4, checksum);
    }
}
