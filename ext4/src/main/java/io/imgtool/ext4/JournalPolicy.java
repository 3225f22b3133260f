package io.imgtool.ext4;

/** What opening a filesystem that needs journal recovery does. */
public enum JournalPolicy {
    /** Replay committed transactions in memory (nothing is written), as a kernel mount would. */
    REPLAY,
    /** Refuse to open it. */
    REFUSE,
    /** Read the filesystem as it is on disk, ignoring the journal (may be inconsistent). */
    IGNORE
}
