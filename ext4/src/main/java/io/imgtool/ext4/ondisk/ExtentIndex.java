package io.imgtool.ext4.ondisk;

/** An interior extent tree entry: the first logical block it covers and the child node's block. */
public record ExtentIndex(long logicalBlock, long leafBlock, int unused) {

    public static final int SIZE = 12;

    public static ExtentIndex parse(byte[] b, int off) {
        return new ExtentIndex(Le.u32(b, off), Le.u32(b, off + 4) | (long) Le.u16(b, off + 8) << 32,
                Le.u16(b, off + 10));
    }

    public void writeTo(byte[] b, int off) {
        Le.put32(b, off, logicalBlock);
        Le.put32(b, off + 4, leafBlock);
        Le.put16(b, off + 8, (int) (leafBlock >>> 32));
        Le.put16(b, off + 10, unused);
    }
}
