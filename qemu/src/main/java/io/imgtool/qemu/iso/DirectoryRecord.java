package io.imgtool.qemu.iso;

import io.imgtool.core.ImageFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One ISO 9660 directory record (ECMA-119 9.1): the entry of a file or directory. Variable length:
 * 33 fixed bytes, the identifier, a pad byte when the identifier length is even, then the system use
 * area (kept as raw bytes, written back unchanged).
 *
 * <pre>
 *  0  length of the record            1
 *  1  extended attribute record len   1
 *  2  extent location (LE, BE)        4 + 4
 * 10  data length (LE, BE)            4 + 4
 * 18  recording date                  7
 * 25  file flags                      1   (0x02 directory, 0x80 multi-extent)
 * 26  file unit size                  1
 * 27  interleave gap size             1
 * 28  volume sequence number (LE, BE) 2 + 2
 * 32  length of file identifier       1
 * 33  file identifier                 n   (+1 pad byte if n is even)
 * </pre>
 */
final class DirectoryRecord {

    /** The fixed part before the identifier. */
    static final int FIXED_SIZE = 33;
    static final int FLAG_HIDDEN = 0x01;
    static final int FLAG_DIRECTORY = 0x02;
    static final int FLAG_MULTI_EXTENT = 0x80;
    /** The identifier of "." (this directory) and ".." (the parent). */
    static final byte[] SELF = {0};
    static final byte[] PARENT = {1};

    private final int extAttrLength;
    private final long extent;
    private final long dataLength;
    private final byte[] date;
    private final int flags;
    private final int fileUnitSize;
    private final int interleaveGap;
    private final int volumeSequence;
    private final byte[] identifier;
    private final byte[] systemUse;

    DirectoryRecord(int extAttrLength, long extent, long dataLength, byte[] date, int flags, int fileUnitSize,
                    int interleaveGap, int volumeSequence, byte[] identifier, byte[] systemUse) {
        if (identifier.length < 1 || identifier.length > 222) {
            throw new IllegalArgumentException("identifier of " + identifier.length + " bytes");
        }
        if (date.length != IsoDates.RECORD_DATE_SIZE) {
            throw new IllegalArgumentException("date of " + date.length + " bytes");
        }
        if (extent < 0 || extent > 0xffffffffL || dataLength < 0 || dataLength > 0xffffffffL) {
            throw new IllegalArgumentException("extent " + extent + " / length " + dataLength + " beyond 32 bits");
        }
        this.extAttrLength = extAttrLength;
        this.extent = extent;
        this.dataLength = dataLength;
        this.date = date.clone();
        this.flags = flags;
        this.fileUnitSize = fileUnitSize;
        this.interleaveGap = interleaveGap;
        this.volumeSequence = volumeSequence;
        this.identifier = identifier.clone();
        this.systemUse = systemUse.clone();
        if (length() > 255) {
            throw new IllegalArgumentException("directory record of " + length() + " bytes");
        }
    }

    /** A plain record as imgtool writes them: no extended attributes, no interleaving, volume 1. */
    static DirectoryRecord of(long extent, long dataLength, java.time.Instant time, int flags, byte[] identifier) {
        ByteBuffer d = ByteBuffer.allocate(IsoDates.RECORD_DATE_SIZE);
        IsoDates.writeRecordDate(d, time);
        return new DirectoryRecord(0, extent, dataLength, d.array(), flags, 0, 0, 1, identifier, new byte[0]);
    }

    /**
     * Parses the record at {@code buf}'s position and advances past it. {@code offset} is the record's
     * byte offset in the image, for messages.
     */
    static DirectoryRecord parse(ByteBuffer buf, long offset) throws ImageFormatException {
        ByteBuffer b = buf.slice().order(ByteOrder.LITTLE_ENDIAN);
        String where = "ISO 9660 directory record";
        if (b.remaining() < FIXED_SIZE) {
            throw new ImageFormatException(where, "length", offset, b.remaining(), "truncated: fewer than 33 bytes left");
        }
        int length = b.get(0) & 0xff;
        int idLength = b.get(32) & 0xff;
        if (idLength == 0) {
            throw new ImageFormatException(where, "file identifier length", offset + 32, 0, "must be at least 1");
        }
        int minimum = FIXED_SIZE + idLength + ((idLength & 1) == 0 ? 1 : 0);
        if (length < minimum) {
            throw new ImageFormatException(where, "length", offset, length,
                    "shorter than its identifier needs (" + minimum + " bytes)");
        }
        if (length > b.remaining()) {
            throw new ImageFormatException(where, "length", offset, length,
                    "runs past the end of its sector (" + b.remaining() + " bytes left)");
        }
        byte[] date = new byte[IsoDates.RECORD_DATE_SIZE];
        b.get(18, date);
        byte[] id = new byte[idLength];
        b.get(33, id);
        byte[] su = new byte[length - minimum];
        b.get(minimum, su);
        DirectoryRecord r = new DirectoryRecord(b.get(1) & 0xff, b.getInt(2) & 0xffffffffL,
                b.getInt(10) & 0xffffffffL, date, b.get(25) & 0xff, b.get(26) & 0xff, b.get(27) & 0xff,
                b.getShort(28) & 0xffff, id, su);
        buf.position(buf.position() + length);
        return r;
    }

    /** Bytes this record occupies (always even). */
    int length() {
        return FIXED_SIZE + identifier.length + ((identifier.length & 1) == 0 ? 1 : 0) + systemUse.length;
    }

    void writeTo(ByteBuffer out) {
        int start = out.position();
        out.put((byte) length());
        out.put((byte) extAttrLength);
        IsoBytes.putBoth32(out, extent);
        IsoBytes.putBoth32(out, dataLength);
        out.put(date);
        out.put((byte) flags);
        out.put((byte) fileUnitSize);
        out.put((byte) interleaveGap);
        IsoBytes.putBoth16(out, volumeSequence);
        out.put((byte) identifier.length);
        out.put(identifier);
        if ((identifier.length & 1) == 0) {
            out.put((byte) 0);
        }
        out.put(systemUse);
        assert out.position() - start == length();
    }

    int extAttrLength() {
        return extAttrLength;
    }

    long extent() {
        return extent;
    }

    long dataLength() {
        return dataLength;
    }

    byte[] date() {
        return date.clone();
    }

    int flags() {
        return flags;
    }

    boolean isDirectory() {
        return (flags & FLAG_DIRECTORY) != 0;
    }

    int fileUnitSize() {
        return fileUnitSize;
    }

    int interleaveGap() {
        return interleaveGap;
    }

    int volumeSequence() {
        return volumeSequence;
    }

    byte[] identifier() {
        return identifier.clone();
    }

    byte[] systemUse() {
        return systemUse.clone();
    }

    /** "." or "..": the first two records of every directory. */
    boolean isSelfOrParent() {
        return identifier.length == 1 && (identifier[0] == 0 || identifier[0] == 1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DirectoryRecord r && extAttrLength == r.extAttrLength && extent == r.extent
                && dataLength == r.dataLength && Arrays.equals(date, r.date) && flags == r.flags
                && fileUnitSize == r.fileUnitSize && interleaveGap == r.interleaveGap
                && volumeSequence == r.volumeSequence && Arrays.equals(identifier, r.identifier)
                && Arrays.equals(systemUse, r.systemUse);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(extent) * 31 + Arrays.hashCode(identifier);
    }

    @Override
    public String toString() {
        return "DirectoryRecord[extent=" + extent + ", length=" + dataLength + ", flags=0x"
                + Integer.toHexString(flags) + ", id=" + Arrays.toString(identifier) + "]";
    }
}
