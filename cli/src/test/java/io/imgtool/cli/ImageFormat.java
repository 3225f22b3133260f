package io.imgtool.cli;

import io.imgtool.testdata.Qcow2Copies;
import java.nio.file.Path;

/**
 * The image formats the CLI tests run on. Layouts are made raw by the reference tools, then
 * {@link #adopt}ed; results are shown to the reference tools via {@link #rawView} (for qcow2 after a
 * clean {@code qemu-img check}).
 */
enum ImageFormat {
    RAW {
        @Override
        Path adopt(Path raw) {
            return raw;
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
        Path rawView(Path image) {
            return Qcow2Copies.rawView(image);
        }
    };

    abstract Path adopt(Path raw);

    abstract Path rawView(Path image);
}
