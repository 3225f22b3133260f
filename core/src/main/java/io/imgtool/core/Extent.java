package io.imgtool.core;

/** A range {@code [offset, offset + length)} of a device and what it holds. */
public record Extent(long offset, long length, Allocation allocation) {

    public Extent {
        if (offset < 0 || length <= 0 || offset + length < offset) {
            throw new IllegalArgumentException("bad extent: offset " + offset + ", length " + length);
        }
        if (allocation == null) {
            throw new NullPointerException("allocation");
        }
    }

    /** First byte past the extent. */
    public long end() {
        return offset + length;
    }
}
