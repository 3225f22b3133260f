package io.imgtool.core;

/**
 * The input violates its on-disk format: corrupt, truncated or hostile. Always names the structure,
 * and where known the field, offset and value.
 */
public class ImageFormatException extends ImageException {

    private static final long serialVersionUID = 1L;

    public ImageFormatException(String structure, String field, long offset, Object value, String reason) {
        super(Kind.CORRUPT, structure, field, offset, value, reason, null);
    }

    public ImageFormatException(String structure, String field, long offset, Object value, String reason,
                                Throwable cause) {
        super(Kind.CORRUPT, structure, field, offset, value, reason, cause);
    }

    public ImageFormatException(String structure, long offset, String reason) {
        super(Kind.CORRUPT, structure, null, offset, null, reason, null);
    }

    public ImageFormatException(String structure, String reason) {
        super(Kind.CORRUPT, structure, null, -1, null, reason, null);
    }
}
