package io.imgtool.gpt;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.RawFileDevice;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The container formats the label and table tests run on. Layouts are built with the reference
 * tools on a raw file, then {@link #adopt}ed into the format; what imgtool wrote is shown to the
 * reference tools through {@link #rawView}.
 *
 * <p>Only raw exists on this branch. When the qcow2 module lands, one constant makes every
 * parameterised test run on qcow2 too:
 * <pre>{@code
 * QCOW2 { open: Qcow2Image.open(p, writable); adopt: qemu-img convert -O qcow2; rawView: qemu-img convert -O raw }
 * }</pre>
 */
enum DiskFormat {
    RAW;

    /** Turns a raw image built by the reference tools into an image of this format; returns its path. */
    Path adopt(Path raw) throws IOException {
        return raw;
    }

    BlockDevice open(Path image, boolean writable) throws IOException {
        return RawFileDevice.open(image, writable);
    }

    /** A raw file with the guest-visible bytes of {@code image}, for sgdisk, sfdisk, blkid and the kernel. */
    Path rawView(Path image) throws IOException {
        return image;
    }
}
