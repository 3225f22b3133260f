package io.imgtool.ext4;

/** What a checksum mismatch in metadata does. */
public enum ChecksumPolicy {
    /** The structure is rejected: reading it throws an {@link io.imgtool.core.ImageFormatException}. */
    STRICT,
    /** The mismatch is recorded in {@link Ext4Volume#problems()} and the data is used as found. */
    REPORT
}
