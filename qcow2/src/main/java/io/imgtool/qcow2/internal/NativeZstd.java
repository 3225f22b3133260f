package io.imgtool.qcow2.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;

/**
 * The system's zstd library ({@code libzstd.so.1}), where the JVM can call it: Java 22 or newer
 * (the Foreign Function and Memory API, reached through reflection so that the jar still runs on
 * Java 17), on a 64-bit Linux that has the library (Debian's libzstd1, which systemd needs, so it
 * is nearly always there). It is what QEMU itself links, and it compresses about four times as fast
 * as aircompressor's pure-Java zstd (measured on the benchmark's data, see docs/qcow2.md); where it
 * is not available, {@link Codec} uses aircompressor, whose output QEMU reads just as well.
 * {@code -Dimgtool.native=false} turns it off (as for {@code core}'s native file calls).
 *
 * <p>Calls take native addresses of direct buffers; the caller keeps the buffers alive.
 */
final class NativeZstd {

    private NativeZstd() {
    }

    /** Method handles with only {@code long}/{@code int} in their types, so calls can be invokeExact. */
    private record Handles(MethodHandle createCCtx, MethodHandle freeCCtx, MethodHandle compressCCtx,
                           MethodHandle decompress, MethodHandle isError, Method ofBuffer, Method address) {
    }

    private static final class Holder {
        static final Handles H = load();
    }

    static boolean available() {
        return Holder.H != null;
    }

    /** Native address of a direct buffer's first byte (position 0). */
    static long address(ByteBuffer direct) {
        try {
            Object segment = Holder.H.ofBuffer.invoke(null, direct.duplicate().clear());
            return (long) Holder.H.address.invoke(segment);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot take the address of a direct buffer", e);
        }
    }

    /** A new compression context (free it with {@link #freeCCtx}); 0 if out of memory. */
    static long createCCtx() {
        try {
            return (long) Holder.H.createCCtx.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("ZSTD_createCCtx failed", t);
        }
    }

    static void freeCCtx(long cctx) {
        if (cctx == 0) {
            return;
        }
        try {
            long ignored = (long) Holder.H.freeCCtx.invokeExact(cctx);
        } catch (Throwable t) {
            throw new IllegalStateException("ZSTD_freeCCtx failed", t);
        }
    }

    /** Compresses {@code n} bytes at {@code src} into one frame at {@code dst}; the frame's size, or -1 (error, no room). */
    static long compress(long cctx, long dst, long capacity, long src, long n, int level) {
        try {
            long r = (long) Holder.H.compressCCtx.invokeExact(cctx, dst, capacity, src, n, level);
            return isError(r) ? -1 : r;
        } catch (Throwable t) {
            throw new IllegalStateException("ZSTD_compressCCtx failed", t);
        }
    }

    /** Decompresses the frame(s) in {@code [src, src+n)}; the size produced, or -1 for bad data or no room. */
    static long decompress(long dst, long capacity, long src, long n) {
        try {
            long r = (long) Holder.H.decompress.invokeExact(dst, capacity, src, n);
            return isError(r) ? -1 : r;
        } catch (Throwable t) {
            throw new IllegalStateException("ZSTD_decompress failed", t);
        }
    }

    private static boolean isError(long code) throws Throwable {
        return (int) Holder.H.isError.invokeExact(code) != 0;
    }

    private static Handles load() {
        if (Runtime.version().feature() < 22 || "false".equals(System.getProperty("imgtool.native"))
                || !System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
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

            Object address = valueLayoutC.getField("ADDRESS").get(null);
            if ((long) layoutC.getMethod("byteSize").invoke(address) != 8) {
                return null; // size_t is taken as a Java long below
            }
            Object jInt = valueLayoutC.getField("JAVA_INT").get(null);
            Object jLong = valueLayoutC.getField("JAVA_LONG").get(null);
            Object linker = linkerC.getMethod("nativeLinker").invoke(null);
            Object arena = arenaC.getMethod("global").invoke(null);
            Object lookup = lookupC.getMethod("libraryLookup", String.class, arenaC).invoke(null, "libzstd.so.1", arena);
            Method find = lookupC.getMethod("find", String.class);
            Class<?> layoutArray = Array.newInstance(layoutC, 0).getClass();
            Method descOf = descC.getMethod("of", layoutC, layoutArray);
            Method descOfVoid = descC.getMethod("ofVoid", layoutArray);
            Method downcall = linkerC.getMethod("downcallHandle", segmentC, descC, Array.newInstance(optionC, 0).getClass());
            Object noOptions = Array.newInstance(optionC, 0);

            MethodHandles.Lookup l = MethodHandles.lookup();
            MethodHandle ofAddress = l.findStatic(segmentC, "ofAddress", MethodType.methodType(segmentC, long.class));
            MethodHandle addressOf = l.findVirtual(segmentC, "address", MethodType.methodType(long.class));

            java.util.function.BiFunction<String, Object[], MethodHandle> handle = (name, sig) -> {
                try {
                    java.util.Optional<?> sym = (java.util.Optional<?>) find.invoke(lookup, name);
                    if (sym.isEmpty()) {
                        return null;
                    }
                    Object args = Array.newInstance(layoutC, sig.length - 1);
                    for (int i = 1; i < sig.length; i++) {
                        Array.set(args, i - 1, sig[i]);
                    }
                    Object desc = sig[0] == null ? descOfVoid.invoke(null, args) : descOf.invoke(null, sig[0], args);
                    return (MethodHandle) downcall.invoke(linker, sym.get(), desc, noOptions);
                } catch (ReflectiveOperationException e) {
                    return null;
                }
            };
            MethodHandle create = handle.apply("ZSTD_createCCtx", new Object[] {address});
            MethodHandle free = handle.apply("ZSTD_freeCCtx", new Object[] {jLong, address});
            MethodHandle compress = handle.apply("ZSTD_compressCCtx",
                    new Object[] {jLong, address, address, jLong, address, jLong, jInt});
            MethodHandle decompress = handle.apply("ZSTD_decompress", new Object[] {jLong, address, jLong, address, jLong});
            MethodHandle isError = handle.apply("ZSTD_isError", new Object[] {jInt, jLong});
            if (create == null || free == null || compress == null || decompress == null || isError == null) {
                return null;
            }
            // Pointers in, pointers out, as plain longs.
            create = MethodHandles.filterReturnValue(create, addressOf);
            free = MethodHandles.filterArguments(free, 0, ofAddress);
            compress = MethodHandles.filterArguments(compress, 0, ofAddress, ofAddress, null, ofAddress);
            decompress = MethodHandles.filterArguments(decompress, 0, ofAddress, null, ofAddress);
            Method ofBuffer = segmentC.getMethod("ofBuffer", java.nio.Buffer.class);
            Method addr = segmentC.getMethod("address");
            Handles h = new Handles(create, free, compress, decompress, isError, ofBuffer, addr);
            // Smoke test: a round trip, so a broken environment falls back instead of failing later.
            ByteBuffer in = ByteBuffer.allocateDirect(4096);
            for (int i = 0; i < 4096; i++) {
                in.put(i, (byte) (i % 7));
            }
            ByteBuffer out = ByteBuffer.allocateDirect(8192);
            ByteBuffer back = ByteBuffer.allocateDirect(4096);
            long inA = (long) addr.invoke(ofBuffer.invoke(null, in));
            long outA = (long) addr.invoke(ofBuffer.invoke(null, out));
            long backA = (long) addr.invoke(ofBuffer.invoke(null, back));
            long cctx = (long) h.createCCtx.invokeExact();
            if (cctx == 0) {
                return null;
            }
            long n = (long) h.compressCCtx.invokeExact(cctx, outA, 8192L, inA, 4096L, 3);
            long ignored = (long) h.freeCCtx.invokeExact(cctx);
            if ((int) h.isError.invokeExact(n) != 0) {
                return null;
            }
            long m = (long) h.decompress.invokeExact(backA, 4096L, outA, n);
            if (m != 4096 || back.mismatch(in) != -1) {
                return null;
            }
            return h;
        } catch (Throwable t) {
            return null;
        }
    }
}
