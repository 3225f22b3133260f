package io.imgtool.core;

import java.io.IOException;

/**
 * Every error imgtool raises about an image: what kind it is, and where, as precisely as known —
 * the on-disk structure, the field, the byte offset and the offending value.
 *
 * <p>The message is complete on its own, for instance
 * {@code "qcow2 header: l1_size = 4294967295 at offset 36: L1 table larger than 32 MiB"}.
 * The CLI maps {@link #kind()} to an exit code.
 */
public class ImageException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Broad classes of failure; each maps to one documented CLI exit code. */
    public enum Kind {
        /** The input violates its format: corrupt, truncated or hostile. */
        CORRUPT,
        /** The input uses a feature imgtool does not implement. */
        UNSUPPORTED,
        /** An access outside the device, or a value too large for what it addresses. */
        OUT_OF_RANGE,
        /** A write to something opened read-only. */
        READ_ONLY,
        /** Another process (or another open in this one) holds the image. */
        LOCKED,
        /** The caller asked for something that cannot be done (bad size, missing partition, ...). */
        INVALID_ARGUMENT,
        /** The operating system failed a read or write. */
        IO
    }

    private final Kind kind;
    private final String structure;
    private final String field;
    private final long offset;
    private final String value;
    private final String reason;

    public ImageException(Kind kind, String reason) {
        this(kind, null, null, -1, null, reason, null);
    }

    public ImageException(Kind kind, String reason, Throwable cause) {
        this(kind, null, null, -1, null, reason, cause);
    }

    /**
     * @param structure the on-disk structure ("qcow2 header", "ext4 inode 12"), or null
     * @param field the field within it ("l1_size"), or null
     * @param offset the byte offset of the field or structure in the device, or -1 if not known
     * @param value the offending value as text, or null
     * @param reason what is wrong, in a few words
     */
    public ImageException(Kind kind, String structure, String field, long offset, Object value,
                          String reason, Throwable cause) {
        super(format(structure, field, offset, value, reason), cause);
        this.kind = kind;
        this.structure = structure;
        this.field = field;
        this.offset = offset;
        this.value = value == null ? null : String.valueOf(value);
        this.reason = reason;
    }

    public Kind kind() {
        return kind;
    }

    /** The on-disk structure concerned, or null. */
    public String structure() {
        return structure;
    }

    /** The field within {@link #structure()}, or null. */
    public String field() {
        return field;
    }

    /** Byte offset in the device, or -1 when not known. */
    public long offset() {
        return offset;
    }

    /** The offending value as text, or null. */
    public String value() {
        return value;
    }

    /** What is wrong, without the location. */
    public String reason() {
        return reason;
    }

    private static String format(String structure, String field, long offset, Object value, String reason) {
        StringBuilder sb = new StringBuilder();
        if (structure != null) {
            sb.append(structure);
        }
        if (field != null) {
            if (sb.length() > 0) {
                sb.append(": ");
            }
            sb.append(field);
            if (value != null) {
                sb.append(" = ").append(value);
            }
        } else if (value != null) {
            sb.append(sb.length() > 0 ? " " : "").append("value ").append(value);
        }
        if (offset >= 0) {
            sb.append(sb.length() > 0 ? " " : "").append("at offset ").append(offset);
        }
        if (reason != null) {
            if (sb.length() > 0) {
                sb.append(": ");
            }
            sb.append(reason);
        }
        return sb.toString();
    }

    // ---- factories for the common cases ------------------------------------------------------

    public static ImageException outOfRange(BlockDevice dev, long offset, long length) {
        return new ImageException(Kind.OUT_OF_RANGE, null, null, offset, null,
                "access of " + length + " bytes outside a device of " + dev.size() + " bytes", null);
    }

    public static ImageException readOnly(String what) {
        return new ImageException(Kind.READ_ONLY, what + " is open read-only");
    }

    public static ImageException invalidArgument(String reason) {
        return new ImageException(Kind.INVALID_ARGUMENT, reason);
    }
}
