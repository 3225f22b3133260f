package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.RawFileDevice;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens the IMAGE argument of a command as a {@link BlockDevice}: the guest-visible disk, whatever
 * container holds it. Today: raw files only; the qcow2 module replaces this with its format probe.
 */
public final class Disks {

    private Disks() {
    }

    /** Opens {@code image} read-only or writable (then exclusively locked). */
    public static BlockDevice open(Path image, boolean writable) throws IOException {
        return RawFileDevice.open(image, writable);
    }
}
