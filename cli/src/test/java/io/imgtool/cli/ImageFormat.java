package io.imgtool.cli;

import java.nio.file.Path;

/**
 * The image formats the CLI tests run on. Layouts are made raw by the reference tools, then
 * {@link #adopt}ed; results are shown to the reference tools via {@link #rawView}. Only raw exists
 * on this branch; with the qcow2 branch merged (Disks.open probing the format), one constant adds
 * qcow2 to every parameterised test:
 * <pre>{@code
 * QCOW2 { adopt: qemu-img convert -f raw -O qcow2 raw raw.qcow2; rawView: qemu-img convert -O raw }
 * }</pre>
 */
enum ImageFormat {
    RAW;

    Path adopt(Path raw) {
        return raw;
    }

    Path rawView(Path image) {
        return image;
    }
}
