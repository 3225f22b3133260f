package io.imgtool.core;

import static io.imgtool.core.ForeignCalls.Type.ADDRESS;
import static io.imgtool.core.ForeignCalls.Type.INT;
import static io.imgtool.core.ForeignCalls.Type.LONG;

import java.lang.invoke.MethodHandle;
import java.lang.reflect.Method;
import java.nio.file.Path;

/**
 * Optional access to three Linux file calls Java does not expose: {@code lseek(SEEK_DATA / SEEK_HOLE)}
 * to find the holes of a sparse file, and {@code fallocate(PUNCH_HOLE)} to make one.
 *
 * <p>imgtool is compiled for Java 17 and has no native code of its own. When it runs on Java 22 or
 * newer, the Foreign Function and Memory API can call libc directly ({@link ForeignCalls}); on 17
 * {@link #available()} is false and callers fall back to reading (and zero-testing) the data.
 * {@code -Dimgtool.native=false} turns this off.
 */
final class NativeFiles {

    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    private static final int FALLOC_FL_KEEP_SIZE = 0x01;
    private static final int FALLOC_FL_PUNCH_HOLE = 0x02;

    private static final Calls CALLS = load();

    private NativeFiles() {
    }

    /** Method handles to libc, or null when the FFM API is not there. */
    private record Calls(MethodHandle open, MethodHandle close, MethodHandle lseek, MethodHandle fallocate,
                         Method arenaOfConfined, Method allocateFrom, Method arenaClose) {
    }

    static boolean available() {
        return CALLS != null;
    }

    /** Opens {@code path} with libc; returns the descriptor, or -1 when not available or failed. */
    static int open(Path path, boolean writable) {
        if (CALLS == null) {
            return -1;
        }
        try {
            Object arena = CALLS.arenaOfConfined.invoke(null);
            try {
                Object cPath = CALLS.allocateFrom.invoke(arena, path.toAbsolutePath().toString());
                int flags = (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC;
                return (int) CALLS.open.invokeWithArguments(cPath, flags);
            } finally {
                CALLS.arenaClose.invoke(arena);
            }
        } catch (Throwable t) {
            return -1;
        }
    }

    static void close(int fd) {
        if (CALLS == null || fd < 0) {
            return;
        }
        try {
            int r = (int) CALLS.close.invokeExact(fd);
        } catch (Throwable ignored) {
            // Nothing useful to do: the descriptor is gone either way.
        }
    }

    /**
     * The first offset at or after {@code offset} that holds data, {@code -1} if there is none before
     * the end of the file, or {@code -2} when the call failed (treat everything as data).
     */
    static long nextData(int fd, long offset) {
        return seek(fd, offset, SEEK_DATA);
    }

    /** The first offset at or after {@code offset} inside a hole (the file's end counts as one), or -2. */
    static long nextHole(int fd, long offset) {
        return seek(fd, offset, SEEK_HOLE);
    }

    private static long seek(int fd, long offset, int whence) {
        try {
            // invokeExact: the handle's type is (int, long, int) long; no boxing, no adapter spinning.
            long r = (long) CALLS.lseek.invokeExact(fd, offset, whence);
            // -1 with SEEK_DATA means ENXIO (no data past offset) in practice; with SEEK_HOLE it is a failure.
            return r >= 0 ? r : (whence == SEEK_DATA ? -1 : -2);
        } catch (Throwable t) {
            return -2;
        }
    }

    /** Deallocates {@code [offset, offset+length)} keeping the file size; false if that was not possible. */
    static boolean punchHole(int fd, long offset, long length) {
        if (CALLS == null || CALLS.fallocate == null || fd < 0) {
            return false;
        }
        try {
            int r = (int) CALLS.fallocate.invokeExact(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
            return r == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    private static Calls load() {
        ForeignCalls libc = ForeignCalls.libc();
        if (libc == null) {
            return null;
        }
        try {
            Class<?> arenaC = ForeignCalls.foreignClass("Arena");
            Class<?> allocatorC = ForeignCalls.foreignClass("SegmentAllocator");
            MethodHandle open = libc.function("open", INT, ADDRESS, INT);
            MethodHandle close = libc.function("close", INT, INT);
            MethodHandle lseek = libc.function("lseek", LONG, INT, LONG, INT);
            MethodHandle fallocate = libc.function("fallocate", INT, INT, INT, LONG, LONG);
            if (open == null || close == null || lseek == null) {
                return null;
            }
            Method ofConfined = arenaC.getMethod("ofConfined");
            Method allocateFrom = allocatorC.getMethod("allocateFrom", String.class);
            Method arenaClose = arenaC.getMethod("close");
            // Smoke test once, so a broken environment falls back instead of failing later.
            Object arena = ofConfined.invoke(null);
            try {
                Object s = allocateFrom.invoke(arena, "/");
                int fd = (int) open.invokeWithArguments(s, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                    return null;
                }
                close.invokeWithArguments(fd);
            } finally {
                arenaClose.invoke(arena);
            }
            return new Calls(open, close, lseek, fallocate, ofConfined, allocateFrom, arenaClose);
        } catch (Throwable t) {
            return null;
        }
    }
}
