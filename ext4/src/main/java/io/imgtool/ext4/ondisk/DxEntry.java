package io.imgtool.ext4.ondisk;

/** One hashed-directory index entry: the lowest hash of a child block and the child's logical block. */
public record DxEntry(long hash, long block) {

    public static final int SIZE = 8;

    public static DxEntry parse(byte[] b, int off) {
        return new DxEntry(Le.u32(b, off), Le.u32(b, off + 4));
    }

    public void writeTo(byte[] b, int off) {
        Le.put32(b, off, hash);
        Le.put32(b, off + 4, block);
    }
}
