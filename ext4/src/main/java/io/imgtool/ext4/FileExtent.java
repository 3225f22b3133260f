package io.imgtool.ext4;

/**
 * A byte range of a file and what backs it: data on disk, allocated-but-unwritten space (reads as
 * zeroes), or a hole (nothing allocated, reads as zeroes). Inline data is reported as {@code DATA}
 * with physical offset -1.
 *
 * @param offset offset in the file
 * @param length bytes (the last extent ends at the file size)
 * @param type what backs it
 * @param physicalOffset byte offset in the filesystem device for {@code DATA} and {@code UNWRITTEN}, else -1
 */
public record FileExtent(long offset, long length, Type type, long physicalOffset) {

    public enum Type {
        DATA,
        UNWRITTEN,
        HOLE
    }

    public long end() {
        return offset + length;
    }

    /** Whether the range reads as zeroes without looking. */
    public boolean readsAsZero() {
        return type != Type.DATA;
    }
}
