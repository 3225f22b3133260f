package io.imgtool.qemu;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A copy-on-write layer over a disk image: QEMU writes into {@link #file()}, the base stays as it
 * was until {@link #commit()} copies the changed clusters into it. Either commit or discard ends it.
 *
 * <p>Two implementations: {@link Qcow2Overlay} (imgtool's qcow2 engine, the default) and
 * {@link QemuImgOverlay} (qemu-img create/commit, used where imgtool cannot write the base).
 */
public interface Overlay {

    /** The file QEMU opens instead of the base. */
    Path file();

    /** The overlay's format as QEMU names it (always qcow2: only qcow2 has backing files). */
    default DiskFormat format() {
        return DiskFormat.QCOW2;
    }

    /** Writes every changed cluster into the base, then removes the overlay. */
    void commit() throws IOException;

    /** Removes the overlay; the base is unchanged. Safe to call twice. */
    void discard() throws IOException;

    /** Creates overlays. */
    @FunctionalInterface
    interface Factory {
        /**
         * Creates an overlay file {@code overlay} (which must not exist) whose backing file is
         * {@code base} in format {@code baseFormat}.
         */
        Overlay create(Path base, DiskFormat baseFormat, Path overlay) throws IOException;
    }
}
