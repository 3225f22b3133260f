package io.imgtool.qcow2.internal;

import io.imgtool.core.ImageFormatException;

/**
 * Finds where one zstd frame ends (RFC 8878 section 3.1.1), so that the sector padding after a
 * compressed cluster is not taken for a second frame.
 */
final class ZstdFrames {

    private static final int MAGIC = 0xFD2FB528;

    private ZstdFrames() {
    }

    static int frameLength(byte[] b, int len, long where) throws ImageFormatException {
        if (len < 6 || le32(b, 0) != MAGIC) {
            throw bad(where, "no zstd frame magic");
        }
        int fhd = b[4] & 0xff;
        int fcsFlag = fhd >>> 6;
        boolean single = (fhd & 0x20) != 0;
        boolean checksum = (fhd & 0x04) != 0;
        int dictFlag = fhd & 3;
        int pos = 5;
        if (!single) {
            pos++; // window descriptor
        }
        pos += new int[] {0, 1, 2, 4}[dictFlag];
        pos += switch (fcsFlag) {
            case 0 -> single ? 1 : 0;
            case 1 -> 2;
            case 2 -> 4;
            default -> 8;
        };
        while (true) {
            if (pos + 3 > len) {
                throw bad(where, "zstd frame runs past the compressed data");
            }
            int h = (b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8 | (b[pos + 2] & 0xff) << 16;
            pos += 3;
            boolean last = (h & 1) != 0;
            int type = (h >>> 1) & 3;
            int size = h >>> 3;
            if (type == 3) {
                throw bad(where, "reserved zstd block type");
            }
            pos += type == 1 ? 1 : size;
            if (pos > len) {
                throw bad(where, "zstd block runs past the compressed data");
            }
            if (last) {
                break;
            }
        }
        if (checksum) {
            pos += 4;
        }
        if (pos > len) {
            throw bad(where, "zstd checksum runs past the compressed data");
        }
        return pos;
    }

    private static int le32(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | (b[i + 3] & 0xff) << 24;
    }

    private static ImageFormatException bad(long where, String why) {
        return new ImageFormatException("qcow2 compressed cluster", null, where, null, why);
    }
}
