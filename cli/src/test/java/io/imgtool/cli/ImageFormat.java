package io.imgtool.cli;

import io.imgtool.testdata.ReferenceTools;
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
            Path q = raw.resolveSibling(raw.getFileName() + ".qcow2");
            ReferenceTools.runOk("qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw.toString(), q.toString());
            return q;
        }

        @Override
        Path rawView(Path image) {
            ReferenceTools.runOk("qemu-img", "check", image.toString());
            Path raw = image.resolveSibling(image.getFileName() + ".view.raw");
            ReferenceTools.runOk("qemu-img", "convert", "-f", "qcow2", "-O", "raw", image.toString(), raw.toString());
            return raw;
        }
    };

    abstract Path adopt(Path raw);

    abstract Path rawView(Path image);
}
