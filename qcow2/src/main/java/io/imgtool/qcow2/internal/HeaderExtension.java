package io.imgtool.qcow2.internal;

import io.imgtool.core.ImageFormatException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One qcow2 header extension: a type, its data, padded to 8 bytes on disk. Unknown types are kept
 * byte for byte and written back unchanged.
 */
public record HeaderExtension(int type, byte[] data) {

    public static final int END = 0;
    public static final int BACKING_FORMAT = 0xe2792aca;
    public static final int FEATURE_NAME_TABLE = 0x6803f857;
    public static final int BITMAPS = 0x23852875;
    public static final int FULL_DISK_ENCRYPTION = 0x0537be77;
    public static final int EXTERNAL_DATA_FILE = 0x44415441;

    /** Bytes it takes on disk: 8 bytes of type and length, the data, padding to 8. */
    public int diskSize() {
        return 8 + ((data.length + 7) & ~7);
    }

    public String dataAsString() {
        return new String(data, StandardCharsets.UTF_8);
    }

    public static HeaderExtension ofString(int type, String s) {
        return new HeaderExtension(type, s.getBytes(StandardCharsets.UTF_8));
    }

    public void writeTo(ByteBuffer buf) {
        buf.putInt(type).putInt(data.length).put(data);
        for (int i = data.length; (i & 7) != 0; i++) {
            buf.put((byte) 0);
        }
    }

    /**
     * Parses extensions from {@code buf} (positioned just past the header) up to its limit; stops at
     * the end marker. {@code base} is the file offset of the buffer's position 0, for messages.
     */
    public static List<HeaderExtension> parseAll(ByteBuffer buf, long base) throws ImageFormatException {
        List<HeaderExtension> out = new ArrayList<>();
        while (buf.remaining() >= 8) {
            int at = buf.position();
            int type = buf.getInt();
            long len = Integer.toUnsignedLong(buf.getInt());
            if (type == END) {
                return out;
            }
            if (len > buf.remaining()) {
                throw new ImageFormatException("qcow2 header extension 0x" + Integer.toHexString(type), "length",
                        base + at + 4, len, "runs past the end of the header area (" + buf.remaining() + " bytes left)");
            }
            byte[] data = new byte[(int) len];
            buf.get(data);
            int pad = (int) ((8 - (len & 7)) & 7);
            buf.position(Math.min(buf.limit(), buf.position() + pad));
            for (HeaderExtension e : out) {
                if (e.type == type && type != 0) {
                    throw new ImageFormatException("qcow2 header extension 0x" + Integer.toHexString(type), "type",
                            base + at, "0x" + Integer.toHexString(type), "appears twice");
                }
            }
            out.add(new HeaderExtension(type, data));
        }
        return out;
    }

    /** A feature name table entry. type: 0 incompatible, 1 compatible, 2 autoclear. */
    public record FeatureName(int type, int bit, String name) {
    }

    /** Builds a feature name table extension from entries. */
    public static HeaderExtension featureTable(List<FeatureName> names) {
        ByteBuffer b = ByteBuffer.allocate(48 * names.size());
        for (FeatureName n : names) {
            b.put((byte) n.type()).put((byte) n.bit());
            byte[] s = n.name().getBytes(StandardCharsets.UTF_8);
            byte[] field = new byte[46];
            System.arraycopy(s, 0, field, 0, Math.min(46, s.length));
            b.put(field);
        }
        return new HeaderExtension(FEATURE_NAME_TABLE, b.array());
    }

    /** Entries of a feature name table extension (a trailing partial entry is ignored). */
    public List<FeatureName> featureNames() {
        List<FeatureName> out = new ArrayList<>();
        for (int i = 0; i + 48 <= data.length; i += 48) {
            int len = 0;
            while (len < 46 && data[i + 2 + len] != 0) {
                len++;
            }
            out.add(new FeatureName(data[i] & 0xff, data[i + 1] & 0xff,
                    new String(data, i + 2, len, StandardCharsets.UTF_8)));
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeaderExtension h && h.type == type && java.util.Arrays.equals(h.data, data);
    }

    @Override
    public int hashCode() {
        return type * 31 + java.util.Arrays.hashCode(data);
    }
}
