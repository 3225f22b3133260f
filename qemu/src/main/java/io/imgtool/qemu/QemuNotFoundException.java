package io.imgtool.qemu;

import java.io.IOException;

/** A program imgtool hands work to (qemu-system-x86_64, qemu-img, OVMF) is not installed. */
public final class QemuNotFoundException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String program;
    private final String debianPackage;

    public QemuNotFoundException(String program, String debianPackage, String detail) {
        super(program + " not found" + (detail == null ? "" : " (" + detail + ")")
                + ": install the Debian package " + debianPackage + " (apt-get install " + debianPackage + ")");
        this.program = program;
        this.debianPackage = debianPackage;
    }

    /** The program looked for, e.g. "qemu-system-x86_64". */
    public String program() {
        return program;
    }

    /** The Debian package that provides it, e.g. "qemu-system-x86". */
    public String debianPackage() {
        return debianPackage;
    }
}
