package io.imgtool.sysprep.inspect;

import io.imgtool.core.Extent;
import io.imgtool.core.UnsupportedFeatureException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * One filesystem of the guest as the seal pipeline uses it: its files (a {@link FileSystem}), its
 * identity, its free space, and the filesystem-level changes sealing makes. The ext4 engine is the
 * implementation ({@link Ext4GuestVolume}); the interface keeps inspection and sealing independent of
 * it (tests, other filesystems later).
 *
 * <p>Writes reach the device when the volume is closed.
 */
public interface GuestVolume extends Closeable {

    /** The filesystem's files; closed with the volume. */
    FileSystem fileSystem();

    /** blkid's TYPE ("ext4"). */
    String type();

    /** The filesystem UUID in blkid's text form, "" when none. */
    String uuid() throws IOException;

    /** The volume label, "" when none. */
    String label() throws IOException;

    /** Whether the volume was opened for writing. */
    boolean writable();

    /**
     * Free ranges of the filesystem's device, as {@code UNALLOCATED} extents (byte offsets relative
     * to the filesystem's start); empty when they cannot be known safely.
     */
    List<Extent> freeExtents() throws IOException;

    /** Why {@link #freeExtents} is empty although the filesystem has free space, or "". */
    default String freeSpaceNote() throws IOException {
        return "";
    }

    /** Sets the volume label. */
    default void setLabel(String label) throws IOException {
        throw unsupported("setting the label");
    }

    /** Checks a label without writing (length, characters). */
    default void checkLabel(String label) throws IOException {
        throw unsupported("setting the label");
    }

    /** Gives the filesystem a new UUID. */
    default void setUuid(UUID uuid) throws IOException {
        throw unsupported("setting the UUID");
    }

    /**
     * Overwrites the data blocks of a regular file of this filesystem that is about to be removed.
     *
     * @return false when it cannot for this file (other hard links)
     */
    default boolean scrubFile(Path file) throws IOException {
        throw unsupported("scrubbing deleted files");
    }

    /** Whether the filesystem records errors found while it was mounted (the kernel's error state). */
    default boolean hasErrors() throws IOException {
        return false;
    }

    /** Clears what a mount leaves in the superblock (mount count, last mount time and path). */
    default void resetMountState() throws IOException {
        throw unsupported("resetting the mount state");
    }

    private UnsupportedFeatureException unsupported(String what) {
        return new UnsupportedFeatureException(type() + " filesystem", what,
                writable() ? "not implemented for this filesystem" : "the volume is open read-only");
    }
}
