package io.imgtool.ext4.internal;

/**
 * A run of logical blocks of a file with one kind of backing: mapped to consecutive physical blocks,
 * allocated but unwritten, or a hole. Holes at the end of the mapping have length up to
 * {@link #UNBOUNDED}.
 */
public record Run(long logical, long physical, long length, Kind kind) {

    public static final long UNBOUNDED = 1L << 40;

    public enum Kind {
        MAPPED,
        UNWRITTEN,
        HOLE
    }

    public long end() {
        return logical + length;
    }

    public static Run hole(long logical, long length) {
        return new Run(logical, 0, length, Kind.HOLE);
    }
}
