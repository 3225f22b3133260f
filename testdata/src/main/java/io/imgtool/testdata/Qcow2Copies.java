package io.imgtool.testdata;

import java.nio.file.Path;

/**
 * qcow2 copies made and read by qemu-img, for tests that build a layout raw with the reference tools,
 * run imgtool on it as qcow2, and show the result to tools that only read raw files.
 */
public final class Qcow2Copies {

    private Qcow2Copies() {
    }

    /** {@code raw} converted to qcow2 by qemu-img, beside it as {@code NAME.qcow2}. */
    public static Path of(Path raw) {
        Path q = raw.resolveSibling(raw.getFileName() + ".qcow2");
        ReferenceTools.runOk("qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw.toString(), q.toString());
        return q;
    }

    /** After a clean {@code qemu-img check}, the guest's view of {@code qcow2} as a raw file ({@code NAME.view.raw}). */
    public static Path rawView(Path qcow2) {
        ReferenceTools.runOk("qemu-img", "check", qcow2.toString());
        Path raw = qcow2.resolveSibling(qcow2.getFileName() + ".view.raw");
        ReferenceTools.runOk("qemu-img", "convert", "-f", "qcow2", "-O", "raw", qcow2.toString(), raw.toString());
        return raw;
    }
}
