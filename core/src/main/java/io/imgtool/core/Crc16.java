package io.imgtool.core;

/**
 * CRC-16 with the reflected polynomial 0xA001 (CRC-16/ARC family), the checksum ext4 uses for group
 * descriptors under the {@code gdt_csum} feature. Like the kernel's {@code crc16(crc, p, len)} it
 * neither inverts the incoming value nor the result.
 */
public final class Crc16 {

    private static final int[] T = new int[256];

    static {
        for (int n = 0; n < 256; n++) {
            int c = n;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ 0xA001 : c >>> 1;
            }
            T[n] = c;
        }
    }

    private Crc16() {
    }

    /** Continues {@code crc} (16 bits) over {@code b[off, off+len)}. */
    public static int update(int crc, byte[] b, int off, int len) {
        int c = crc & 0xffff;
        for (int i = off; i < off + len; i++) {
            c = (c >>> 8) ^ T[(c ^ b[i]) & 0xff];
        }
        return c;
    }
}
