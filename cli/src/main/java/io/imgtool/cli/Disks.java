package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.qcow2.DiskImage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens the IMAGE argument of a command as a {@link BlockDevice}: the guest-visible disk, whatever
 * container holds it (qcow2 with its backing chain, or raw). Delegates to the qcow2 module's
 * {@link DiskImage} probe.
 */
public final class Disks {

    private Disks() {
    }

    /** Opens {@code image} read-only or writable (then exclusively locked), probing its format. */
    public static BlockDevice open(Path image, boolean writable) throws IOException {
        return DiskImage.open(image, writable);
    }

    /** Opens {@code image} as {@code format} ("qcow2", "raw"), or probes when {@code format} is null. */
    public static BlockDevice open(Path image, String format, boolean writable) throws IOException {
        return format == null ? DiskImage.open(image, writable)
                : DiskImage.open(image, DiskImage.Format.of(format), writable);
    }
}
