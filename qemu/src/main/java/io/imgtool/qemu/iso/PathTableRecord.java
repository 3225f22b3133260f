package io.imgtool.qemu.iso;

import io.imgtool.core.ImageFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One record of an ISO 9660 path table (ECMA-119 9.4): a directory, its extent and its parent's
 * number. Each table exists twice, little-endian (type L) and big-endian (type M).
 *
 * <pre>
 * 0  length of directory identifier  1
 * 1  extended attribute record len   1
 * 2  extent location                 4   (byte order of the table)
 * 6  parent directory number         2   (byte order of the table; the root is its own parent, 1)
 * 8  directory identifier            n   (+1 pad byte if n is odd)
 * </pre>
 */
record PathTableRecord(int extAttrLength, long extent, int parent, byte[] identifier) {

    static final int FIXED_SIZE = 8;

    PathTableRecord {
        if (identifier.length < 1 || identifier.length > 255) {
            throw new IllegalArgumentException("identifier of " + identifier.length + " bytes");
        }
        identifier = identifier.clone();
    }

    /** The root's record: identifier 0x00, its own parent. */
    static PathTableRecord root(long extent) {
        return new PathTableRecord(0, extent, 1, new byte[] {0});
    }

    int length() {
        return FIXED_SIZE + identifier.length + (identifier.length & 1);
    }

    void writeTo(ByteBuffer out, ByteOrder order) {
        ByteOrder saved = out.order();
        out.order(order);
        out.put((byte) identifier.length);
        out.put((byte) extAttrLength);
        out.putInt((int) extent);
        out.putShort((short) parent);
        out.put(identifier);
        if ((identifier.length & 1) != 0) {
            out.put((byte) 0);
        }
        out.order(saved);
    }

    /** Parses the record at {@code buf}'s position in byte order {@code order} and advances past it. */
    static PathTableRecord parse(ByteBuffer buf, ByteOrder order, long offset) throws ImageFormatException {
        ByteBuffer b = buf.slice().order(order);
        if (b.remaining() < FIXED_SIZE) {
            throw new ImageFormatException("ISO 9660 path table record", "length", offset, b.remaining(),
                    "truncated: fewer than 8 bytes left");
        }
        int idLength = b.get(0) & 0xff;
        if (idLength == 0) {
            throw new ImageFormatException("ISO 9660 path table record", "directory identifier length", offset, 0,
                    "must be at least 1");
        }
        int length = FIXED_SIZE + idLength + (idLength & 1);
        if (length > b.remaining()) {
            throw new ImageFormatException("ISO 9660 path table record", "directory identifier length", offset,
                    idLength, "runs past the end of the path table");
        }
        byte[] id = new byte[idLength];
        b.get(FIXED_SIZE, id);
        PathTableRecord r = new PathTableRecord(b.get(1) & 0xff, b.getInt(2) & 0xffffffffL, b.getShort(6) & 0xffff, id);
        buf.position(buf.position() + length);
        return r;
    }

    @Override
    public byte[] identifier() {
        return identifier.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PathTableRecord r && extAttrLength == r.extAttrLength && extent == r.extent
                && parent == r.parent && Arrays.equals(identifier, r.identifier);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(extent) * 31 + Arrays.hashCode(identifier);
    }

    @Override
    public String toString() {
        return "PathTableRecord[extent=" + extent + ", parent=" + parent + ", id=" + Arrays.toString(identifier) + "]";
    }
}
