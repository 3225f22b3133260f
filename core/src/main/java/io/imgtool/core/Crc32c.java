package io.imgtool.core;

import java.nio.ByteBuffer;

/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) in the "raw" form ext4, jbd2 and btrfs use:
 * {@code update(crc, data)} neither inverts the incoming value nor the result, exactly like the
 * kernel's {@code crc32c_le(crc, p, len)}. The conventional CRC-32C of a message, as
 * {@link java.util.zip.CRC32C} computes it, is {@code ~update(~0, data)}; see {@link #of}.
 *
 * <p>Slicing-by-8: eight tables, eight bytes per step.
 */
public final class Crc32c {

    private static final int POLY = 0x82F63B78;
    private static final int[][] T = new int[8][256];

    static {
        for (int n = 0; n < 256; n++) {
            int c = n;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ POLY : c >>> 1;
            }
            T[0][n] = c;
        }
        for (int n = 0; n < 256; n++) {
            int c = T[0][n];
            for (int t = 1; t < 8; t++) {
                c = T[0][c & 0xff] ^ (c >>> 8);
                T[t][n] = c;
            }
        }
    }

    private Crc32c() {
    }

    /** Continues {@code crc} over {@code b[off, off+len)}, without pre- or post-inversion. */
    public static int update(int crc, byte[] b, int off, int len) {
        int c = crc;
        int i = off;
        int end = off + len;
        while (end - i >= 8) {
            int lo = (b[i] & 0xff | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | (b[i + 3] & 0xff) << 24) ^ c;
            c = T[7][lo & 0xff] ^ T[6][(lo >>> 8) & 0xff] ^ T[5][(lo >>> 16) & 0xff] ^ T[4][lo >>> 24]
                    ^ T[3][b[i + 4] & 0xff] ^ T[2][b[i + 5] & 0xff] ^ T[1][b[i + 6] & 0xff] ^ T[0][b[i + 7] & 0xff];
            i += 8;
        }
        while (i < end) {
            c = T[0][(c ^ b[i++]) & 0xff] ^ (c >>> 8);
        }
        return c;
    }

    /** Continues {@code crc} over {@code b}. */
    public static int update(int crc, byte[] b) {
        return update(crc, b, 0, b.length);
    }

    /** Continues {@code crc} over the remaining bytes of {@code buf}, without moving its position. */
    public static int update(int crc, ByteBuffer buf) {
        if (buf.hasArray()) {
            return update(crc, buf.array(), buf.arrayOffset() + buf.position(), buf.remaining());
        }
        int c = crc;
        for (int i = buf.position(); i < buf.limit(); i++) {
            c = T[0][(c ^ buf.get(i)) & 0xff] ^ (c >>> 8);
        }
        return c;
    }

    /** The conventional CRC-32C of {@code b} (initial value ~0, final inversion), as {@link java.util.zip.CRC32C}. */
    public static int of(byte[] b) {
        return ~update(~0, b, 0, b.length);
    }
}
