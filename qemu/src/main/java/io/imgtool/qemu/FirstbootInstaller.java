package io.imgtool.qemu;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The other way to run a script once in the guest, for images without cloud-init: files written
 * offline into the guest's root filesystem that run the script at the next boot, then power off.
 * Works on a {@link Path} of the guest filesystem (jimfs in tests, imgtool's ext4 provider for a
 * real image), like the sysprep operations. {@link SystemdFirstboot} is the systemd variant.
 */
@FunctionalInterface
public interface FirstbootInstaller {

    /**
     * Arranges for {@code script} to run once at the guest's next boot, its exit status printed on
     * the console ({@link UserData#STATUS_LINE}), then the guest to power off.
     *
     * @param guestRoot the root directory of the guest's filesystem
     */
    void install(Path guestRoot, byte[] script) throws IOException;
}
