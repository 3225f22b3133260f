package io.imgtool.ext4.ondisk;

import io.imgtool.core.ImageFormatException;

/**
 * The 12-byte header of every extent tree node (in i_block or in a block): magic 0xF30A, entries,
 * max entries, depth (0 = leaves follow), generation.
 */
public record ExtentHeader(int magic, int entries, int max, int depth, long generation) {

    public static final int SIZE = 12;
    public static final int MAGIC = 0xF30A;
    /** The kernel's EXT4_MAX_EXTENT_DEPTH. */
    public static final int MAX_DEPTH = 5;

    public static ExtentHeader parse(byte[] b, int off) {
        return new ExtentHeader(Le.u16(b, off), Le.u16(b, off + 2), Le.u16(b, off + 4), Le.u16(b, off + 6),
                Le.u32(b, off + 8));
    }

    public void writeTo(byte[] b, int off) {
        Le.put16(b, off, magic);
        Le.put16(b, off + 2, entries);
        Le.put16(b, off + 4, max);
        Le.put16(b, off + 6, depth);
        Le.put32(b, off + 8, generation);
    }

    /**
     * Checks the header of a node that has room for {@code capacity} entries and must be at depth
     * {@code expectedDepth} (-1 for the root, whose depth is only bounded).
     */
    public void validate(int capacity, int expectedDepth, String where, long offset) throws ImageFormatException {
        if (magic != MAGIC) {
            throw new ImageFormatException(where, "eh_magic", offset, String.format("0x%04x", magic),
                    "bad extent header magic (expected 0xf30a)");
        }
        if (max > capacity || max == 0) {
            throw new ImageFormatException(where, "eh_max", offset + 4, max, "node has room for " + capacity);
        }
        if (entries > max) {
            throw new ImageFormatException(where, "eh_entries", offset + 2, entries, "more than eh_max " + max);
        }
        if (depth > MAX_DEPTH) {
            throw new ImageFormatException(where, "eh_depth", offset + 6, depth, "deeper than " + MAX_DEPTH);
        }
        if (expectedDepth >= 0 && depth != expectedDepth) {
            throw new ImageFormatException(where, "eh_depth", offset + 6, depth,
                    "expected " + expectedDepth + " below its parent (a loop or a misplaced node)");
        }
    }

    /** Byte offset of the checksum tail in a block node: after eh_max entries. */
    public int tailOffset() {
        return SIZE + 12 * max;
    }
}
