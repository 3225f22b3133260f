package io.imgtool.qcow2.internal;

import static io.imgtool.core.ForeignCalls.Type.ADDRESS;
import static io.imgtool.core.ForeignCalls.Type.INT;
import static io.imgtool.core.ForeignCalls.Type.LONG;

import io.imgtool.core.ForeignCalls;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;

/**
 * The system's zstd library ({@code libzstd.so.1}), where the JVM can call it: Java 22 or newer
 * (the Foreign Function and Memory API, through core's {@link ForeignCalls}), on a 64-bit Linux
 * that has the library (Debian's libzstd1, which systemd needs, so it is nearly always there). It
 * is what QEMU itself links, and it compresses about four times as fast as aircompressor's
 * pure-Java zstd (measured on the benchmark's data, see docs/qcow2.md); where it is not available,
 * {@link Codec} uses aircompressor, whose output QEMU reads just as well.
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
        ForeignCalls zstd = ForeignCalls.library("libzstd.so.1");
        if (zstd == null) {
            return null;
        }
        try {
            if (zstd.addressSize() != 8) {
                return null; // size_t is taken as a Java long below
            }
            Class<?> segmentC = ForeignCalls.foreignClass("MemorySegment");
            MethodHandles.Lookup l = MethodHandles.lookup();
            MethodHandle ofAddress = l.findStatic(segmentC, "ofAddress", MethodType.methodType(segmentC, long.class));
            MethodHandle addressOf = l.findVirtual(segmentC, "address", MethodType.methodType(long.class));

            MethodHandle create = zstd.function("ZSTD_createCCtx", ADDRESS);
            MethodHandle free = zstd.function("ZSTD_freeCCtx", LONG, ADDRESS);
            MethodHandle compress = zstd.function("ZSTD_compressCCtx", LONG, ADDRESS, ADDRESS, LONG, ADDRESS, LONG, INT);
            MethodHandle decompress = zstd.function("ZSTD_decompress", LONG, ADDRESS, LONG, ADDRESS, LONG);
            MethodHandle isError = zstd.function("ZSTD_isError", INT, LONG);
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
