package io.imgtool.gpt;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.RawFileDevice;
import io.imgtool.qcow2.DiskImage;
import io.imgtool.testdata.Qcow2Copies;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The container formats the label and table tests run on. Layouts are built with the reference
 * tools on a raw file, then {@link #adopt}ed into the format; what imgtool wrote is shown to the
 * reference tools through {@link #rawView}.
 */
enum DiskFormat {
    RAW {
        @Override
        Path adopt(Path raw) {
            return raw;
        }

        @Override
        BlockDevice open(Path image, boolean writable) throws IOException {
            return RawFileDevice.open(image, writable);
        }

        @Override
        Path rawView(Path image) {
            return image;
        }
    },
    QCOW2 {
        @Override
        Path adopt(Path raw) {
            return Qcow2Copies.of(raw);
        }

        @Override
        BlockDevice open(Path image, boolean writable) throws IOException {
            return DiskImage.open(image, DiskImage.Format.QCOW2, writable);
        }

        @Override
        Path rawView(Path image) {
            return Qcow2Copies.rawView(image);
        }
    };

    /** Turns a raw image built by the reference tools into an image of this format; returns its path. */
    abstract Path adopt(Path raw) throws IOException;

    abstract BlockDevice open(Path image, boolean writable) throws IOException;

    /** A raw file with the guest-visible bytes of {@code image}, for sgdisk, sfdisk, blkid and the kernel. */
    abstract Path rawView(Path image) throws IOException;
}
