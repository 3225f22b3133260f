package io.imgtool.publish.internal;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The framing of the .xz container (tukaani "The .xz File Format" 1.1.0): stream header and footer,
 * block header, index, variable-length integers. The compressed data inside a block is a raw LZMA2
 * stream made elsewhere. Everything little-endian.
 */
public final class XzFormat {

    /** Stream header magic: 0xFD '7' 'z' 'X' 'Z' 0x00. */
    public static final byte[] HEADER_MAGIC = {(byte) 0xFD, '7', 'z', 'X', 'Z', 0};
    /** Stream footer magic: 'Y' 'Z'. */
    public static final byte[] FOOTER_MAGIC = {'Y', 'Z'};
    /** Check ID of CRC64 in the stream flags. */
    public static final int CHECK_CRC64 = 0x04;
    /** Size of the CRC64 check field after each block. */
    public static final int CHECK_SIZE = 8;
    /** Filter ID of LZMA2. */
    public static final int FILTER_LZMA2 = 0x21;
    /** Largest value of a variable-length integer. */
    public static final long VLI_MAX = Long.MAX_VALUE;

    private XzFormat() {
    }

    /** One block as the index records it. */
    public record BlockRecord(long unpaddedSize, long uncompressedSize) {
    }

    /** The 12-byte stream header: magic, stream flags (check type), CRC32 of the flags. */
    public static byte[] streamHeader(int checkId) {
        byte[] h = new byte[12];
        System.arraycopy(HEADER_MAGIC, 0, h, 0, 6);
        h[6] = 0;
        h[7] = (byte) checkId;
        putInt(h, 8, crc32(h, 6, 2));
        return h;
    }

    /**
     * A block header giving both sizes (so decoders can split work and seek), one LZMA2 filter with
     * its dictionary-size property, zero padding to a multiple of four, CRC32.
     */
    public static byte[] blockHeader(long compressedSize, long uncompressedSize, int dictSize) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(32);
        b.write(0); // size byte, patched below
        b.write(0x40 | 0x80); // one filter (0), compressed and uncompressed size present
        writeVli(b, compressedSize);
        writeVli(b, uncompressedSize);
        writeVli(b, FILTER_LZMA2);
        writeVli(b, 1);
        b.write(lzma2DictProperty(dictSize));
        while ((b.size() + 4) % 4 != 0) {
            b.write(0);
        }
        byte[] h = new byte[b.size() + 4];
        byte[] body = b.toByteArray();
        System.arraycopy(body, 0, h, 0, body.length);
        h[0] = (byte) (h.length / 4 - 1);
        putInt(h, body.length, crc32(h, 0, body.length));
        return h;
    }

    /** Zero bytes after a block's compressed data so that it ends on a multiple of four. */
    public static int blockPadding(long compressedSize) {
        return (int) ((4 - (compressedSize & 3)) & 3);
    }

    /** The index: indicator, record count, records, padding, CRC32. */
    public static byte[] index(List<BlockRecord> records) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(16 + records.size() * 8);
        b.write(0);
        writeVli(b, records.size());
        for (BlockRecord r : records) {
            writeVli(b, r.unpaddedSize());
            writeVli(b, r.uncompressedSize());
        }
        while (b.size() % 4 != 0) {
            b.write(0);
        }
        byte[] body = b.toByteArray();
        byte[] out = new byte[body.length + 4];
        System.arraycopy(body, 0, out, 0, body.length);
        putInt(out, body.length, crc32(body, 0, body.length));
        return out;
    }

    /** The 12-byte stream footer: CRC32, backward size (index size / 4 - 1), stream flags, magic. */
    public static byte[] streamFooter(long indexSize, int checkId) {
        if (indexSize % 4 != 0 || indexSize < 8 || indexSize / 4 - 1 > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("bad index size " + indexSize);
        }
        byte[] f = new byte[12];
        putInt(f, 4, (int) (indexSize / 4 - 1));
        f[8] = 0;
        f[9] = (byte) checkId;
        putInt(f, 0, crc32(f, 4, 6));
        f[10] = FOOTER_MAGIC[0];
        f[11] = FOOTER_MAGIC[1];
        return f;
    }

    /**
     * The LZMA2 property byte for a dictionary of at least {@code dictSize} bytes: the smallest
     * {@code p} with {@code (2 | (p & 1)) << (p / 2 + 11) >= dictSize}; 40 means 4 GiB - 1.
     */
    public static int lzma2DictProperty(int dictSize) {
        for (int p = 0; p < 40; p++) {
            long size = (2L | (p & 1)) << (p / 2 + 11);
            if (size >= (dictSize & 0xFFFF_FFFFL)) {
                return p;
            }
        }
        return 40;
    }

    /** Writes a variable-length integer: seven bits a byte, low first, high bit set on all but the last. */
    public static void writeVli(ByteArrayOutputStream out, long v) {
        if (v < 0) {
            throw new IllegalArgumentException("negative VLI " + v);
        }
        while (v >= 0x80) {
            out.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    static int crc32(byte[] b, int off, int len) {
        CRC32 c = new CRC32();
        c.update(b, off, len);
        return (int) c.getValue();
    }

    static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }

    /** Little-endian 64-bit value into {@code b} at {@code off}. */
    public static void putLong(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }
}
