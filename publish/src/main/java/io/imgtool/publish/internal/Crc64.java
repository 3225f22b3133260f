package io.imgtool.publish.internal;

/**
 * CRC-64 as the .xz format uses it (ECMA-182 polynomial, reflected, initial and final value all
 * ones), slicing by eight bytes.
 */
public final class Crc64 {

    private static final long POLY = 0xC96C5795D7870F42L;
    private static final long[][] TABLE = new long[8][256];

    static {
        for (int n = 0; n < 256; n++) {
            long c = n;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ POLY : c >>> 1;
            }
            TABLE[0][n] = c;
        }
        for (int n = 0; n < 256; n++) {
            long c = TABLE[0][n];
            for (int t = 1; t < 8; t++) {
                c = TABLE[0][(int) (c & 0xff)] ^ (c >>> 8);
                TABLE[t][n] = c;
            }
        }
    }

    private long crc = -1L;

    public void update(byte[] b, int off, int len) {
        long c = crc;
        int i = off;
        int end = off + len;
        long[] t0 = TABLE[0], t1 = TABLE[1], t2 = TABLE[2], t3 = TABLE[3];
        long[] t4 = TABLE[4], t5 = TABLE[5], t6 = TABLE[6], t7 = TABLE[7];
        while (end - i >= 8) {
            long v = c ^ ((b[i] & 0xffL) | (b[i + 1] & 0xffL) << 8 | (b[i + 2] & 0xffL) << 16
                    | (b[i + 3] & 0xffL) << 24 | (b[i + 4] & 0xffL) << 32 | (b[i + 5] & 0xffL) << 40
                    | (b[i + 6] & 0xffL) << 48 | (b[i + 7] & 0xffL) << 56);
            c = t7[(int) (v & 0xff)] ^ t6[(int) ((v >>> 8) & 0xff)] ^ t5[(int) ((v >>> 16) & 0xff)]
                    ^ t4[(int) ((v >>> 24) & 0xff)] ^ t3[(int) ((v >>> 32) & 0xff)]
                    ^ t2[(int) ((v >>> 40) & 0xff)] ^ t1[(int) ((v >>> 48) & 0xff)] ^ t0[(int) (v >>> 56)];
            i += 8;
        }
        while (i < end) {
            c = t0[(int) ((c ^ b[i++]) & 0xff)] ^ (c >>> 8);
        }
        crc = c;
    }

    /** The CRC of everything updated so far. */
    public long value() {
        return ~crc;
    }

    /** CRC-64 of {@code b[off, off+len)}. */
    public static long of(byte[] b, int off, int len) {
        Crc64 c = new Crc64();
        c.update(b, off, len);
        return c.value();
    }
}
