package io.imgtool.ext4.alloc;

/**
 * A view of an ext2/3/4 allocation bitmap (one block or inode bitmap of a block group): bit {@code i}
 * is bit {@code i & 7} of byte {@code i >> 3}, set meaning in use. The bytes are not copied: changes
 * write through to the array the caller holds (a cached bitmap block).
 */
public final class Bitmap {

    private final byte[] bytes;
    private final int bits;

    /**
     * @param bytes the bitmap bytes (usually a whole block)
     * @param bits how many bits are meaningful (blocks or inodes per group); the rest is padding
     */
    public Bitmap(byte[] bytes, int bits) {
        if (bits < 0 || bits > bytes.length * 8L) {
            throw new IllegalArgumentException("bitmap of " + bits + " bits in " + bytes.length + " bytes");
        }
        this.bytes = bytes;
        this.bits = bits;
    }

    public int size() {
        return bits;
    }

    public byte[] bytes() {
        return bytes;
    }

    public boolean get(int i) {
        check(i);
        return (bytes[i >>> 3] & (1 << (i & 7))) != 0;
    }

    public void set(int i) {
        check(i);
        bytes[i >>> 3] |= (byte) (1 << (i & 7));
    }

    public void clear(int i) {
        check(i);
        bytes[i >>> 3] &= (byte) ~(1 << (i & 7));
    }

    /** Sets bits {@code [from, to)}. */
    public void setRange(int from, int to) {
        for (int i = from; i < to; i++) {
            set(i);
        }
    }

    /** Clears bits {@code [from, to)}. */
    public void clearRange(int from, int to) {
        for (int i = from; i < to; i++) {
            clear(i);
        }
    }

    private void check(int i) {
        if (i < 0 || i >= bits) {
            throw new IndexOutOfBoundsException("bit " + i + " of a " + bits + "-bit bitmap");
        }
    }

    /** The first clear bit at or after {@code from}, or -1. Skips whole bytes of set bits. */
    public int nextClear(int from) {
        int i = Math.max(0, from);
        while (i < bits) {
            if ((i & 7) == 0 && bytes[i >>> 3] == (byte) 0xff) {
                i += 8;
                continue;
            }
            if ((bytes[i >>> 3] & (1 << (i & 7))) == 0) {
                return i;
            }
            i++;
        }
        return -1;
    }

    /** The first set bit at or after {@code from}, or -1. */
    public int nextSet(int from) {
        int i = Math.max(0, from);
        while (i < bits) {
            if ((i & 7) == 0 && bytes[i >>> 3] == 0) {
                i += 8;
                continue;
            }
            if ((bytes[i >>> 3] & (1 << (i & 7))) != 0) {
                return i;
            }
            i++;
        }
        return -1;
    }

    /** Number of set bits in {@code [from, to)}. */
    public int countSet(int from, int to) {
        int n = 0;
        int i = from;
        while (i < to && (i & 7) != 0) {
            n += get(i) ? 1 : 0;
            i++;
        }
        while (i + 8 <= to) {
            n += Integer.bitCount(bytes[i >>> 3] & 0xff);
            i += 8;
        }
        while (i < to) {
            n += get(i) ? 1 : 0;
            i++;
        }
        return n;
    }

    /**
     * Sets the padding bits: everything from {@code bits} to the end of the array, as mke2fs and the
     * kernel do so that e2fsck finds the "padding at end of bitmap" set.
     */
    public void setPadding() {
        int total = bytes.length * 8;
        for (int i = bits; i < total; i++) {
            bytes[i >>> 3] |= (byte) (1 << (i & 7));
        }
    }
}
