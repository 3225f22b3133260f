package io.imgtool.sysprep;

import java.util.Locale;

/**
 * One change an operation made (or, in a dry run, would make) to the guest.
 *
 * @param kind what happened to the path
 * @param path the guest path as resolved inside the guest (links in its parents followed with
 *     chroot semantics), e.g. "/run/utmp" for "/var/run/utmp" when /var/run links to /run
 * @param operation the operation's name
 * @param detail a short note ("symlink", "12 bytes", "mode 0600"), or ""
 */
public record Change(Kind kind, String path, String operation, String detail) {

    /** What happened to a guest path. */
    public enum Kind {
        /** The entry (file, link, device, directory) was removed. */
        REMOVED,
        /** A regular file was cut to zero length (its inode, owner and mode kept). */
        TRUNCATED,
        /** The entry did not exist and was created. */
        CREATED,
        /** An existing entry's content, mode or owner was changed. */
        CHANGED,
        /** A removed regular file's data blocks are overwritten (or, without a scrub hook, would be). */
        SCRUBBED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Override
    public String toString() {
        return kind.label() + " " + path + (detail.isEmpty() ? "" : " (" + detail + ")") + " [" + operation + "]";
    }
}
