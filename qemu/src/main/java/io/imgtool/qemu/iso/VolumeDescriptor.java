package io.imgtool.qemu.iso;

import io.imgtool.core.ImageFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * One 2048-byte ISO 9660 volume descriptor (ECMA-119 8): the primary (type 1), a supplementary one
 * (type 2; Joliet when its escape sequences name UCS-2), or the set terminator (255). The raw bytes
 * are kept, so fields imgtool does not interpret are written back unchanged.
 *
 * <pre>
 *    0 type, "CD001", version 1         7
 *    7 volume flags (supplementary)     1
 *    8 system identifier               32
 *   40 volume identifier               32
 *   80 volume space size (LE, BE)       8   in logical blocks
 *   88 escape sequences (Joliet)       32   "%/@", "%/C" or "%/E": UCS-2 level 1, 2 or 3
 *  120 volume set size (LE, BE)         4
 *  124 volume sequence number (LE, BE)  4
 *  128 logical block size (LE, BE)      4
 *  132 path table size (LE, BE)         8
 *  140 type L path table (LE)           4   (+4 optional copy)
 *  148 type M path table (BE)           4   (+4 optional copy)
 *  156 root directory record           34
 *  190 volume set, publisher, data preparer, application identifiers  4 x 128
 *  702 copyright, abstract, bibliographic file identifiers             3 x 37
 *  813 creation, modification, expiration, effective dates            4 x 17
 *  881 file structure version           1
 *  883 application use                512
 * </pre>
 */
final class VolumeDescriptor {

    static final int SIZE = 2048;
    static final int TYPE_PRIMARY = 1;
    static final int TYPE_SUPPLEMENTARY = 2;
    static final int TYPE_TERMINATOR = 255;
    static final byte[] STANDARD_ID = "CD001".getBytes(StandardCharsets.US_ASCII);
    /** Escape sequences of the Joliet levels 1, 2 and 3. */
    private static final byte[][] JOLIET_ESCAPES = {{'%', '/', '@'}, {'%', '/', 'C'}, {'%', '/', 'E'}};
    private static final int ROOT_RECORD = 156;
    private static final int ROOT_RECORD_SIZE = 34;

    private final byte[] raw;

    private VolumeDescriptor(byte[] raw) {
        this.raw = raw;
    }

    /** The descriptor at {@code buf}'s position; {@code offset} is its byte offset in the image. */
    static VolumeDescriptor parse(ByteBuffer buf, long offset) throws ImageFormatException {
        if (buf.remaining() < SIZE) {
            throw new ImageFormatException("ISO 9660 volume descriptor", offset, "truncated: "
                    + buf.remaining() + " of 2048 bytes");
        }
        byte[] raw = new byte[SIZE];
        buf.get(raw);
        if (!Arrays.equals(raw, 1, 6, STANDARD_ID, 0, 5)) {
            throw new ImageFormatException("ISO 9660 volume descriptor", "standard identifier", offset + 1,
                    quote(Arrays.copyOfRange(raw, 1, 6)), "not \"CD001\": not an ISO 9660 volume");
        }
        if (raw[6] != 1 && (raw[0] & 0xff) != TYPE_TERMINATOR) {
            throw new ImageFormatException("ISO 9660 volume descriptor", "version", offset + 6, raw[6] & 0xff,
                    "must be 1");
        }
        return new VolumeDescriptor(raw);
    }

    /** The fields imgtool sets when it writes a primary or Joliet descriptor; the rest stays zero or blank. */
    record Fields(String volumeId, String applicationId, long volumeSpaceSize, long pathTableSize, long typeLPathTable,
                  long typeMPathTable, DirectoryRecord root, Instant created) {
    }

    static VolumeDescriptor primary(Fields f) {
        return build(TYPE_PRIMARY, f, false);
    }

    /** A supplementary descriptor with the Joliet level 3 escape sequence: identifiers in UCS-2. */
    static VolumeDescriptor joliet(Fields f) {
        return build(TYPE_SUPPLEMENTARY, f, true);
    }

    static VolumeDescriptor terminator() {
        byte[] raw = new byte[SIZE];
        raw[0] = (byte) TYPE_TERMINATOR;
        System.arraycopy(STANDARD_ID, 0, raw, 1, 5);
        raw[6] = 1;
        return new VolumeDescriptor(raw);
    }

    private static VolumeDescriptor build(int type, Fields f, boolean joliet) {
        if (f.root().length() != ROOT_RECORD_SIZE) {
            throw new IllegalArgumentException("the root record must be 34 bytes");
        }
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.put((byte) type).put(STANDARD_ID).put((byte) 1).put((byte) 0);
        b.put(text(joliet, "", 32));                 // system identifier
        b.put(text(joliet, f.volumeId(), 32));
        b.put(new byte[8]);
        IsoBytes.putBoth32(b, f.volumeSpaceSize());
        byte[] escapes = new byte[32];
        if (joliet) {
            System.arraycopy(JOLIET_ESCAPES[2], 0, escapes, 0, 3);
        }
        b.put(escapes);
        IsoBytes.putBoth16(b, 1);                    // volume set size
        IsoBytes.putBoth16(b, 1);                    // volume sequence number
        IsoBytes.putBoth16(b, SIZE);                 // logical block size
        IsoBytes.putBoth32(b, f.pathTableSize());
        b.order(ByteOrder.LITTLE_ENDIAN).putInt((int) f.typeLPathTable()).putInt(0);
        b.order(ByteOrder.BIG_ENDIAN).putInt((int) f.typeMPathTable()).putInt(0);
        f.root().writeTo(b);
        b.put(text(joliet, "", 128));                // volume set identifier
        b.put(text(joliet, "", 128));                // publisher
        b.put(text(joliet, "", 128));                // data preparer
        b.put(text(joliet, f.applicationId(), 128));
        b.put(text(joliet, "", 37));                 // copyright file
        b.put(text(joliet, "", 37));                 // abstract file
        b.put(text(joliet, "", 37));                 // bibliographic file
        IsoDates.writeVolumeDate(b, f.created());    // creation
        IsoDates.writeVolumeDate(b, f.created());    // modification
        IsoDates.writeVolumeDate(b, null);           // expiration
        IsoDates.writeVolumeDate(b, f.created());    // effective
        b.put((byte) 1);                             // file structure version
        return new VolumeDescriptor(b.array());
    }

    private static byte[] text(boolean joliet, String s, int size) {
        return joliet ? IsoBytes.ucs2(s, size) : IsoBytes.ascii(s, size);
    }

    void writeTo(ByteBuffer out) {
        out.put(raw);
    }

    int type() {
        return raw[0] & 0xff;
    }

    /** A supplementary descriptor whose escape sequences select UCS-2 (Joliet). */
    boolean isJoliet() {
        if (type() != TYPE_SUPPLEMENTARY || (raw[7] & 1) != 0) {
            return false;
        }
        for (byte[] esc : JOLIET_ESCAPES) {
            if (Arrays.equals(raw, 88, 91, esc, 0, 3)) {
                return true;
            }
        }
        return false;
    }

    String volumeIdentifier() {
        byte[] f = Arrays.copyOfRange(raw, 40, 72);
        return isJoliet() ? IsoBytes.trimUcs2(f) : IsoBytes.trimAscii(f);
    }

    String applicationIdentifier() {
        byte[] f = Arrays.copyOfRange(raw, 574, 702);
        return isJoliet() ? IsoBytes.trimUcs2(f) : IsoBytes.trimAscii(f);
    }

    long volumeSpaceSize() {
        return le32(80);
    }

    int logicalBlockSize() {
        return (raw[128] & 0xff) | (raw[129] & 0xff) << 8;
    }

    long pathTableSize() {
        return le32(132);
    }

    long typeLPathTable() {
        return le32(140);
    }

    long typeMPathTable() {
        return ByteBuffer.wrap(raw, 148, 4).order(ByteOrder.BIG_ENDIAN).getInt() & 0xffffffffL;
    }

    DirectoryRecord rootRecord(long descriptorOffset) throws ImageFormatException {
        return DirectoryRecord.parse(ByteBuffer.wrap(raw, ROOT_RECORD, ROOT_RECORD_SIZE),
                descriptorOffset + ROOT_RECORD);
    }

    byte[] raw() {
        return raw.clone();
    }

    private long le32(int at) {
        return ByteBuffer.wrap(raw, at, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
    }

    private static String quote(byte[] b) {
        StringBuilder sb = new StringBuilder("\"");
        for (byte x : b) {
            sb.append(x >= 0x20 && x < 0x7f ? String.valueOf((char) x) : String.format("\\x%02x", x & 0xff));
        }
        return sb.append('"').toString();
    }
}
