package io.imgtool.cli;

import io.imgtool.core.ImageException;

/**
 * The documented exit codes of every imgtool command (see README, "Exit codes").
 */
public final class ExitCodes {

    /** Success. */
    public static final int OK = 0;
    /** The command ran and found problems: check found corruption or leaks, verify failed. */
    public static final int PROBLEMS = 1;
    /** Wrong arguments or options. */
    public static final int USAGE = 2;
    /** The input is corrupt, truncated, hostile or unreadable (includes a missing file). */
    public static final int CORRUPT = 3;
    /** The input uses a feature imgtool does not implement. */
    public static final int UNSUPPORTED = 4;
    /** The image is in use: another process (QEMU?) holds its lock. */
    public static final int LOCKED = 5;
    /** The operating system failed a read or write (disk full, permission denied, ...). */
    public static final int IO_ERROR = 6;
    /** {@code boot}: qemu-system-x86_64 (Debian package qemu-system-x86), qemu-img or OVMF is not installed. */
    public static final int QEMU_MISSING = 10;
    /** {@code boot}: the guest failed (kernel panic, emergency shell, reset, failed script, cloud-init errors, QEMU error). */
    public static final int GUEST_FAILED = 11;
    /** {@code boot}: the guest did not power off within the timeout; QEMU was killed. */
    public static final int GUEST_TIMEOUT = 12;
    /** A bug in imgtool: an unexpected exception. The message asks for IMGTOOL_DEBUG=1. */
    public static final int INTERNAL = 70;

    private ExitCodes() {
    }

    /** The exit code for an {@link ImageException} of the given kind. */
    public static int of(ImageException.Kind kind) {
        return switch (kind) {
            case CORRUPT, OUT_OF_RANGE -> CORRUPT;
            case UNSUPPORTED -> UNSUPPORTED;
            case LOCKED -> LOCKED;
            case INVALID_ARGUMENT, READ_ONLY -> USAGE;
            case IO -> IO_ERROR;
        };
    }
}
