package io.imgtool.core;

import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.nio.file.Path;

/**
 * Optional access to three Linux file calls Java does not expose: {@code lseek(SEEK_DATA / SEEK_HOLE)}
 * to find the holes of a sparse file, and {@code fallocate(PUNCH_HOLE)} to make one.
 *
 * <p>imgtool is compiled for Java 17 and has no native code of its own. When it runs on Java 22 or
 * newer, the Foreign Function and Memory API (final since 22) can call libc directly; it is reached
 * here through reflection so the same jar still runs on 17, where {@link #available()} is false and
 * callers fall back to reading (and zero-testing) the data. Launch with
 * {@code --enable-native-access=ALL-UNNAMED} to silence the JDK's warning about restricted methods.
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
        if (Runtime.version().feature() < 22 || "false".equals(System.getProperty("imgtool.native"))
                || !System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return null;
        }
        try {
            Class<?> linkerC = Class.forName("java.lang.foreign.Linker");
            Class<?> optionC = Class.forName("java.lang.foreign.Linker$Option");
            Class<?> lookupC = Class.forName("java.lang.foreign.SymbolLookup");
            Class<?> segmentC = Class.forName("java.lang.foreign.MemorySegment");
            Class<?> descC = Class.forName("java.lang.foreign.FunctionDescriptor");
            Class<?> layoutC = Class.forName("java.lang.foreign.MemoryLayout");
            Class<?> valueLayoutC = Class.forName("java.lang.foreign.ValueLayout");
            Class<?> arenaC = Class.forName("java.lang.foreign.Arena");
            Class<?> allocatorC = Class.forName("java.lang.foreign.SegmentAllocator");

            Object linker = linkerC.getMethod("nativeLinker").invoke(null);
            Object lookup = linkerC.getMethod("defaultLookup").invoke(linker);
            Method find = lookupC.getMethod("find", String.class);
            Object jInt = valueLayoutC.getField("JAVA_INT").get(null);
            Object jLong = valueLayoutC.getField("JAVA_LONG").get(null);
            Object address = valueLayoutC.getField("ADDRESS").get(null);
            Method descOf = descC.getMethod("of", layoutC, Array.newInstance(layoutC, 0).getClass());
            Method downcall = linkerC.getMethod("downcallHandle", segmentC, descC,
                    Array.newInstance(optionC, 0).getClass());
            Object noOptions = Array.newInstance(optionC, 0);

            java.util.function.BiFunction<String, Object, MethodHandle> handle = (name, desc) -> {
                try {
                    java.util.Optional<?> sym = (java.util.Optional<?>) find.invoke(lookup, name);
                    return sym.isPresent() ? (MethodHandle) downcall.invoke(linker, sym.get(), desc, noOptions) : null;
                } catch (ReflectiveOperationException e) {
                    return null;
                }
            };
            Object layouts2 = Array.newInstance(layoutC, 2);
            Array.set(layouts2, 0, address);
            Array.set(layouts2, 1, jInt);
            MethodHandle open = handle.apply("open", descOf.invoke(null, jInt, layouts2));
            Object layouts1 = Array.newInstance(layoutC, 1);
            Array.set(layouts1, 0, jInt);
            MethodHandle close = handle.apply("close", descOf.invoke(null, jInt, layouts1));
            Object layouts3 = Array.newInstance(layoutC, 3);
            Array.set(layouts3, 0, jInt);
            Array.set(layouts3, 1, jLong);
            Array.set(layouts3, 2, jInt);
            MethodHandle lseek = handle.apply("lseek", descOf.invoke(null, jLong, layouts3));
            Object layouts4 = Array.newInstance(layoutC, 4);
            Array.set(layouts4, 0, jInt);
            Array.set(layouts4, 1, jInt);
            Array.set(layouts4, 2, jLong);
            Array.set(layouts4, 3, jLong);
            MethodHandle fallocate = handle.apply("fallocate", descOf.invoke(null, jInt, layouts4));
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
