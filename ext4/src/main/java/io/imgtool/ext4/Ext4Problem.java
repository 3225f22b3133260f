package io.imgtool.ext4;

/**
 * Something wrong that reading found and, under {@link ChecksumPolicy#REPORT} or by nature, went past:
 * a checksum mismatch, a corrupt directory block that was skipped, a journal block not replayed.
 *
 * @param kind what sort of problem
 * @param structure the on-disk structure ("ext4 inode 12", "directory block 1234 of inode 2")
 * @param offset byte offset in the filesystem, or -1
 * @param message what is wrong
 */
public record Ext4Problem(Kind kind, String structure, long offset, String message) {

    public enum Kind {
        CHECKSUM,
        CORRUPT,
        JOURNAL
    }

    @Override
    public String toString() {
        return structure + (offset >= 0 ? " at offset " + offset : "") + ": " + message;
    }
}
