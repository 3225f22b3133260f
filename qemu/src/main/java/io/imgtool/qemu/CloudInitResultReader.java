package io.imgtool.qemu;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads cloud-init's verdict from a powered-off disk image, offline. {@link BootRunner} calls it
 * after the guest has powered off and before the changes are committed, on the disk QEMU wrote
 * (an overlay in qcow2 whose backing file is the input, the copy for {@code -o}, or the image
 * itself when in place), so a run with cloud-init errors leaves the input untouched.
 *
 * <p>Needs a filesystem reader (imgtool's ext4 module): implement {@link GuestFiles} with it and
 * use {@link #fromGuestFiles}; {@link CloudInitResult#parse} does the interpretation.
 */
@FunctionalInterface
public interface CloudInitResultReader {

    /** The result, or empty if the guest has no result.json (cloud-init did not finish or is absent). */
    Optional<CloudInitResult> read(Path image, DiskFormat format) throws IOException;

    /** Reads one file of the guest's root filesystem from a disk image, offline. */
    @FunctionalInterface
    interface GuestFiles {
        /** The file's bytes, or empty if it does not exist; {@code guestPath} is absolute in the guest. */
        Optional<byte[]> read(Path image, DiskFormat format, String guestPath) throws IOException;
    }

    /** A reader that fetches {@link CloudInitResult#GUEST_PATH} through {@code files} and parses it. */
    static CloudInitResultReader fromGuestFiles(GuestFiles files) {
        return (image, format) -> {
            Optional<byte[]> bytes = files.read(image, format, CloudInitResult.GUEST_PATH);
            if (bytes.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(CloudInitResult.parse(bytes.get()));
        };
    }
}
