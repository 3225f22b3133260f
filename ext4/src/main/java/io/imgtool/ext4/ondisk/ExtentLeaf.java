package io.imgtool.ext4.ondisk;

/**
 * A leaf extent: {@code length} logical blocks from {@code logicalBlock} stored from physical block
 * {@code startBlock}. An uninitialised (unwritten) extent is allocated but reads as zeroes; on disk
 * its length is stored plus 32768.
 */
public record ExtentLeaf(long logicalBlock, int length, long startBlock, boolean uninitialized) {

    public static final int SIZE = 12;
    /** Longest initialised extent (EXT_INIT_MAX_LEN). */
    public static final int MAX_INIT_LEN = 32768;
    /** Longest uninitialised extent. */
    public static final int MAX_UNINIT_LEN = 32767;

    public static ExtentLeaf parse(byte[] b, int off) {
        int raw = Le.u16(b, off + 4);
        boolean uninit = raw > MAX_INIT_LEN;
        int len = uninit ? raw - MAX_INIT_LEN : raw;
        long start = Le.u32(b, off + 8) | (long) Le.u16(b, off + 6) << 32;
        return new ExtentLeaf(Le.u32(b, off), len, start, uninit);
    }

    public void writeTo(byte[] b, int off) {
        Le.put32(b, off, logicalBlock);
        Le.put16(b, off + 4, uninitialized ? length + MAX_INIT_LEN : length);
        Le.put16(b, off + 6, (int) (startBlock >>> 32));
        Le.put32(b, off + 8, startBlock);
    }
}
