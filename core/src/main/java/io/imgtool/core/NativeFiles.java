package io.imgtool.core;

import static io.imgtool.core.ForeignCalls.Type.ADDRESS;
import static io.imgtool.core.ForeignCalls.Type.INT;
import static io.imgtool.core.ForeignCalls.Type.LONG;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.nio.file.Path;

/**
 * Optional access to Linux file calls Java does not expose: {@code lseek(SEEK_DATA / SEEK_HOLE)}
 * to find the holes of a sparse file, {@code fallocate(PUNCH_HOLE)} to make one, and
 * {@code fallocate(ZERO_RANGE)} to make a range read as zeroes without writing them.
 *
 * <p>imgtool is compiled for Java 17 and has no native code of its own. When it runs on Java 22 or
 * newer, the Foreign Function and Memory API can call libc directly ({@link ForeignCalls}); on 17
 * {@link #available()} is false and callers fall back to reading (and zero-testing) the data.
 * {@code -Dimgtool.native=false} turns this off.
 *
 * <p>Each function is bound when first called (a holder class per function): binding one costs a
 * few milliseconds of generated code, and a command that only punches holes never binds
 * {@code lseek}. Every call goes through {@code invokeExact} on a handle of a fixed type, so no
 * argument adapters are spun at run time. A failure anywhere (FFM missing, native access denied, a
 * symbol not found) shows as -1/false from the call, and callers take the pure-Java path.
 */
final class NativeFiles {

    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    private static final int FALLOC_FL_KEEP_SIZE = 0x01;
    private static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    private static final int FALLOC_FL_ZERO_RANGE = 0x10;

    private NativeFiles() {
    }

    /** libc's functions, or null where native calls are not allowed or the FFM API is missing. */
    private static final class Libc {
        static final ForeignCalls LIBC = ForeignCalls.libc();

        static MethodHandle bind(String symbol, MethodType exactType, ForeignCalls.Type ret, ForeignCalls.Type... args) {
            if (LIBC == null) {
                return null;
            }
            MethodHandle h = LIBC.function(symbol, ret, args);
            try {
                return h == null ? null : h.asType(exactType);
            } catch (RuntimeException e) {
                return null;
            }
        }
    }

    /** {@code int open(const char *, int)}, its path argument as an Object (a MemorySegment), and the arena calls. */
    private static final class Open {
        static final MethodHandle OPEN = Libc.bind("open", MethodType.methodType(int.class, Object.class, int.class),
                INT, ADDRESS, INT);
        static final Method ARENA_OF_CONFINED;
        static final Method ALLOCATE_FROM;
        static final Method ARENA_CLOSE;

        static {
            Method of = null;
            Method alloc = null;
            Method close = null;
            if (OPEN != null) {
                try {
                    Class<?> arenaC = ForeignCalls.foreignClass("Arena");
                    of = arenaC.getMethod("ofConfined");
                    alloc = ForeignCalls.foreignClass("SegmentAllocator").getMethod("allocateFrom", String.class);
                    close = arenaC.getMethod("close");
                } catch (ReflectiveOperationException | RuntimeException e) {
                    of = null;
                }
            }
            ARENA_OF_CONFINED = of;
            ALLOCATE_FROM = alloc;
            ARENA_CLOSE = close;
        }
    }

    private static final class Close {
        static final MethodHandle CLOSE = Libc.bind("close", MethodType.methodType(int.class, int.class), INT, INT);
    }

    private static final class Lseek {
        static final MethodHandle LSEEK = Libc.bind("lseek", MethodType.methodType(long.class, int.class, long.class, int.class),
                LONG, INT, LONG, INT);
    }

    private static final class Fallocate {
        static final MethodHandle FALLOCATE = Libc.bind("fallocate",
                MethodType.methodType(int.class, int.class, int.class, long.class, long.class), INT, INT, INT, LONG, LONG);
    }

    /**
     * Binds {@code open}, {@code close}, {@code fallocate} and {@code lseek} on a daemon thread and
     * returns at once; does nothing where native calls are not allowed. The first binding on a cold
     * JVM takes about a tenth of a second (the FFM linker's set-up and generated stubs); a command
     * that will punch or seek holes starts it early so that the binding runs beside its other work
     * instead of before its first hole. A caller that needs a function before the thread is done
     * waits for that function's class initialisation, never binds twice.
     */
    static void bindInBackground() {
        if (!ForeignCalls.allowed()) {
            return;
        }
        Thread t = new Thread(() -> bindAll(), "imgtool-bind-libc");
        t.setDaemon(true);
        t.start();
    }

    /** Initialises every holder class (their static fields are the bound handles); true if all bound. */
    private static boolean bindAll() {
        return available() && Fallocate.FALLOCATE != null && Close.CLOSE != null && Lseek.LSEEK != null;
    }

    /** Whether libc's {@code open} could be bound here (Java 22+ on Linux, native calls not turned off). */
    static boolean available() {
        return ForeignCalls.allowed() && Open.OPEN != null && Open.ARENA_OF_CONFINED != null;
    }

    /** Opens {@code path} with libc; returns the descriptor, or -1 when not available or failed. */
    static int open(Path path, boolean writable) {
        if (!available()) {
            return -1;
        }
        try {
            Object arena = Open.ARENA_OF_CONFINED.invoke(null);
            try {
                Object cPath = Open.ALLOCATE_FROM.invoke(arena, path.toAbsolutePath().toString());
                int flags = (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC;
                int fd = (int) Open.OPEN.invokeExact(cPath, flags);
                return fd < 0 ? -1 : fd;
            } finally {
                Open.ARENA_CLOSE.invoke(arena);
            }
        } catch (Throwable t) {
            return -1;
        }
    }

    static void close(int fd) {
        if (fd < 0 || Close.CLOSE == null) {
            return;
        }
        try {
            int r = (int) Close.CLOSE.invokeExact(fd);
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
        if (fd < 0 || Lseek.LSEEK == null) {
            return -2;
        }
        try {
            long r = (long) Lseek.LSEEK.invokeExact(fd, offset, whence);
            // -1 with SEEK_DATA means ENXIO (no data past offset) in practice; with SEEK_HOLE it is a failure.
            return r >= 0 ? r : (whence == SEEK_DATA ? -1 : -2);
        } catch (Throwable t) {
            return -2;
        }
    }

    /** Deallocates {@code [offset, offset+length)} keeping the file size; false if that was not possible. */
    static boolean punchHole(int fd, long offset, long length) {
        return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
    }

    /**
     * Makes {@code [offset, offset+length)} read as zeroes keeping its storage allocated (the
     * filesystem marks the blocks unwritten; no zero bytes are written); false if the filesystem
     * cannot (tmpfs, NFS, ...) or the call failed.
     */
    static boolean zeroRange(int fd, long offset, long length) {
        return fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, offset, length);
    }

    private static boolean fallocate(int fd, int mode, long offset, long length) {
        if (fd < 0 || Fallocate.FALLOCATE == null) {
            return false;
        }
        try {
            int r = (int) Fallocate.FALLOCATE.invokeExact(fd, mode, offset, length);
            return r == 0;
        } catch (Throwable t) {
            return false;
        }
    }
}
