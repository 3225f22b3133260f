package io.imgtool.ext4.internal;

import io.imgtool.ext4.ondisk.DxRootInfo;

/**
 * Directory name hashes of hashed (htree) directories: legacy (dx_hack_hash), half MD4 and TEA, each
 * in a signed and an unsigned variant (whether name bytes are read as signed chars, which depended on
 * the CPU that created the filesystem; the superblock's flags tell). Facts from ext4's hash.c and
 * e2fsprogs' dirhash.c; the kernel's end-of-directory hash value is avoided as the kernel does.
 */
public final class DxHash {

    private DxHash() {
    }

    /** Major and minor hash. */
    public record Hash(int major, int minor) {
    }

    /**
     * Hashes {@code name} with hash {@code version} (0..5, see {@link DxRootInfo}) and the
     * superblock's hash seed (all zero means the default).
     */
    public static Hash hash(int version, byte[] name, int off, int len, int[] seed) {
        int[] buf = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
        if (seed != null && (seed[0] | seed[1] | seed[2] | seed[3]) != 0) {
            System.arraycopy(seed, 0, buf, 0, 4);
        }
        int major;
        int minor = 0;
        switch (version) {
            case DxRootInfo.HASH_LEGACY, DxRootInfo.HASH_LEGACY_UNSIGNED ->
                    major = legacy(name, off, len, version == DxRootInfo.HASH_LEGACY_UNSIGNED);
            case DxRootInfo.HASH_HALF_MD4, DxRootInfo.HASH_HALF_MD4_UNSIGNED -> {
                boolean unsigned = version == DxRootInfo.HASH_HALF_MD4_UNSIGNED;
                int[] in = new int[8];
                int p = off;
                int left = len;
                while (left > 0) {
                    strToHashBuf(name, p, left, in, 8, unsigned);
                    halfMd4(buf, in);
                    left -= 32;
                    p += 32;
                }
                major = buf[1];
                minor = buf[2];
            }
            case DxRootInfo.HASH_TEA, DxRootInfo.HASH_TEA_UNSIGNED -> {
                boolean unsigned = version == DxRootInfo.HASH_TEA_UNSIGNED;
                int[] in = new int[4];
                int p = off;
                int left = len;
                while (left > 0) {
                    strToHashBuf(name, p, left, in, 4, unsigned);
                    tea(buf, in);
                    left -= 16;
                    p += 16;
                }
                major = buf[0];
                minor = buf[1];
            }
            default -> throw new IllegalArgumentException("unsupported hash version " + version);
        }
        major &= ~1;
        if (major == (0x7fffffff << 1)) {
            major = (0x7fffffff - 1) << 1;
        }
        return new Hash(major, minor);
    }

    public static boolean isSupported(int version) {
        return version >= DxRootInfo.HASH_LEGACY && version <= DxRootInfo.HASH_TEA_UNSIGNED;
    }

    private static int legacy(byte[] name, int off, int len, boolean unsigned) {
        int hash;
        int hash0 = 0x12a3fe2d;
        int hash1 = 0x37abe8f9;
        for (int i = 0; i < len; i++) {
            int c = unsigned ? name[off + i] & 0xff : name[off + i];
            hash = hash1 + (hash0 ^ (c * 7152373));
            if ((hash & 0x80000000) != 0) {
                hash -= 0x7fffffff;
            }
            hash1 = hash0;
            hash0 = hash;
        }
        return hash0 << 1;
    }

    /** Packs up to num*4 name bytes into num words, padding with a length-derived pattern. */
    private static void strToHashBuf(byte[] msg, int off, int len, int[] buf, int num, boolean unsigned) {
        int pad = len | (len << 8);
        pad |= pad << 16;
        int val = pad;
        int n = Math.min(len, num * 4);
        int bi = 0;
        for (int i = 0; i < n; i++) {
            int c = unsigned ? msg[off + i] & 0xff : msg[off + i];
            val = c + (val << 8);
            if ((i % 4) == 3) {
                buf[bi++] = val;
                val = pad;
                num--;
            }
        }
        if (--num >= 0) {
            buf[bi++] = val;
        }
        while (--num >= 0) {
            buf[bi++] = pad;
        }
    }

    private static void tea(int[] buf, int[] in) {
        int sum = 0;
        int b0 = buf[0];
        int b1 = buf[1];
        int a = in[0];
        int b = in[1];
        int c = in[2];
        int d = in[3];
        for (int n = 16; n > 0; n--) {
            sum += 0x9E3779B9;
            b0 += ((b1 << 4) + a) ^ (b1 + sum) ^ ((b1 >>> 5) + b);
            b1 += ((b0 << 4) + c) ^ (b0 + sum) ^ ((b0 >>> 5) + d);
        }
        buf[0] += b0;
        buf[1] += b1;
    }

    private static int f(int x, int y, int z) {
        return z ^ (x & (y ^ z));
    }

    private static int g(int x, int y, int z) {
        return (x & y) + ((x ^ y) & z);
    }

    private static int h(int x, int y, int z) {
        return x ^ y ^ z;
    }

    private static final int K2 = 013240474631;
    private static final int K3 = 015666365641;

    private static void halfMd4(int[] buf, int[] in) {
        int a = buf[0];
        int b = buf[1];
        int c = buf[2];
        int d = buf[3];
        // Round 1
        a = Integer.rotateLeft(a + f(b, c, d) + in[0], 3);
        d = Integer.rotateLeft(d + f(a, b, c) + in[1], 7);
        c = Integer.rotateLeft(c + f(d, a, b) + in[2], 11);
        b = Integer.rotateLeft(b + f(c, d, a) + in[3], 19);
        a = Integer.rotateLeft(a + f(b, c, d) + in[4], 3);
        d = Integer.rotateLeft(d + f(a, b, c) + in[5], 7);
        c = Integer.rotateLeft(c + f(d, a, b) + in[6], 11);
        b = Integer.rotateLeft(b + f(c, d, a) + in[7], 19);
        // Round 2
        a = Integer.rotateLeft(a + g(b, c, d) + in[1] + K2, 3);
        d = Integer.rotateLeft(d + g(a, b, c) + in[3] + K2, 5);
        c = Integer.rotateLeft(c + g(d, a, b) + in[5] + K2, 9);
        b = Integer.rotateLeft(b + g(c, d, a) + in[7] + K2, 13);
        a = Integer.rotateLeft(a + g(b, c, d) + in[0] + K2, 3);
        d = Integer.rotateLeft(d + g(a, b, c) + in[2] + K2, 5);
        c = Integer.rotateLeft(c + g(d, a, b) + in[4] + K2, 9);
        b = Integer.rotateLeft(b + g(c, d, a) + in[6] + K2, 13);
        // Round 3
        a = Integer.rotateLeft(a + h(b, c, d) + in[3] + K3, 3);
        d = Integer.rotateLeft(d + h(a, b, c) + in[7] + K3, 9);
        c = Integer.rotateLeft(c + h(d, a, b) + in[2] + K3, 11);
        b = Integer.rotateLeft(b + h(c, d, a) + in[6] + K3, 15);
        a = Integer.rotateLeft(a + h(b, c, d) + in[1] + K3, 3);
        d = Integer.rotateLeft(d + h(a, b, c) + in[5] + K3, 9);
        c = Integer.rotateLeft(c + h(d, a, b) + in[0] + K3, 11);
        b = Integer.rotateLeft(b + h(c, d, a) + in[4] + K3, 15);
        buf[0] += a;
        buf[1] += b;
        buf[2] += c;
        buf[3] += d;
    }
}
