package io.imgtool.publish;

/**
 * The outcome of checking one sums-file line against the file it names.
 *
 * @param name the file name as the sums file gives it
 * @param algorithm the digest algorithm of the line
 * @param status what was found
 * @param expected the digest the sums file gives
 * @param actual the digest computed, or null when the file could not be read
 * @param detail why a file was unreadable or refused, or null
 */
public record FileCheck(String name, HashAlgorithm algorithm, Status status, String expected, String actual,
                        String detail) {

    /** What checking a file found. */
    public enum Status {
        /** The digest matches. */
        OK,
        /** The digest differs: the file was changed. */
        MISMATCH,
        /** No such file. */
        MISSING,
        /** The file exists but could not be read, or its name is refused (absolute, "..", a directory). */
        UNREADABLE
    }

    public boolean ok() {
        return status == Status.OK;
    }
}
