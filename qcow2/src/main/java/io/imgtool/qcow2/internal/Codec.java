package io.imgtool.qcow2.internal;

import io.airlift.compress.MalformedInputException;
import io.airlift.compress.zstd.ZstdCompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import io.imgtool.core.ImageFormatException;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Compression of single clusters, as qcow2 stores them: a raw deflate stream (compression type 0,
 * "zlib") or one zstd frame (type 1). Each call is independent; instances are cheap per thread.
 *
 * <p><b>Why java.util.zip.Deflater output is safe although QEMU declares a 4 KiB window.</b> QEMU
 * inflates a compressed cluster with {@code inflateInit2(-12)} and a single {@code inflate(Z_FINISH)}
 * call whose output buffer is the whole cluster. Deflater cannot limit its window (it uses 32 KiB),
 * so its streams may refer back more than 4 KiB. zlib's inflate accepts a distance that reaches
 * into the output produced in the current call; as QEMU produces the whole cluster in one call into
 * one buffer, every back-reference lands in that buffer, whatever window was declared. Only a zlib
 * built with {@code INFLATE_STRICT} compares distances with the declared window, and Debian's and
 * QEMU's builds do not define it. {@code DeflateWindowTest} shows both halves: a decoder that keeps
 * only a 4 KiB window (jzlib, window bits -12) rejects some of these clusters, and qemu-img reads
 * every one of them correctly (check, compare, convert). Any reader that decompresses a cluster
 * whole, as the format implies, is safe; a strictly windowed streaming decoder would not be.
 */
public final class Codec implements AutoCloseable {

    /** zstd level: ZSTD_CLEVEL_DEFAULT, what QEMU's qcow2 driver uses (it sets no level). */
    public static final int ZSTD_LEVEL = 3;

    public enum Type {
        DEFLATE(0), ZSTD(1);

        public final int id;

        Type(int id) {
            this.id = id;
        }

        public static Type of(int id) {
            return id == 1 ? ZSTD : DEFLATE;
        }
    }

    private final Type type;
    private final int level;
    private Deflater deflater;
    private Inflater inflater;
    private ZstdCompressor zc;
    private ZstdDecompressor zd;
    // The system's libzstd (NativeZstd): a context and two direct buffers, kept per instance.
    private long cctx;
    private ByteBuffer nIn;
    private ByteBuffer nOut;
    private long nInAddress;
    private long nOutAddress;

    public Codec(Type type, int level) {
        this.type = type;
        this.level = level;
    }

    /** Whether zstd goes through the system's libzstd in this JVM (Java 22+, see NativeZstd). */
    public static boolean nativeZstd() {
        return NativeZstd.available();
    }

    public Type type() {
        return type;
    }

    /**
     * Compresses {@code len} bytes; returns the compressed length in {@code out}, or -1 when it would
     * not be smaller than {@code limit} (store the cluster uncompressed then).
     */
    public int compress(byte[] in, int len, byte[] out, int limit) {
        return compress(in, 0, len, out, limit);
    }

    /** Like {@link #compress(byte[], int, byte[], int)} for {@code in[off, off+len)}. */
    public int compress(byte[] in, int off, int len, byte[] out, int limit) {
        if (type == Type.DEFLATE) {
            if (deflater == null) {
                deflater = new Deflater(level, true);
            }
            deflater.reset();
            deflater.setInput(in, off, len);
            deflater.finish();
            int n = 0;
            while (!deflater.finished()) {
                if (n >= limit) {
                    return -1;
                }
                n += deflater.deflate(out, n, Math.min(out.length, limit) - n);
            }
            return n < limit ? n : -1;
        }
        if (NativeZstd.available()) {
            nativeBuffers(len, Math.min(limit, out.length));
            if (cctx == 0) {
                cctx = NativeZstd.createCCtx();
                if (cctx == 0) {
                    throw new OutOfMemoryError("ZSTD_createCCtx");
                }
            }
            nIn.put(0, in, off, len);
            // Room for exactly `limit` bytes: what does not fit is reported as an error, i.e. "store plain".
            long n = NativeZstd.compress(cctx, nOutAddress, Math.min(limit, out.length), nInAddress, len, ZSTD_LEVEL);
            if (n < 0 || n >= limit) {
                return -1;
            }
            nOut.get(0, out, 0, (int) n);
            return (int) n;
        }
        if (zc == null) {
            zc = new ZstdCompressor();
        }
        if (out.length < zc.maxCompressedLength(len)) {
            throw new IllegalArgumentException("output buffer too small for zstd");
        }
        int n = zc.compress(in, off, len, out, 0, out.length);
        return n < limit ? n : -1;
    }

    /** Output buffer size {@link #compress} needs for clusters of {@code clusterSize}. */
    public static int maxCompressedLength(int clusterSize) {
        return new ZstdCompressor().maxCompressedLength(clusterSize) + 64;
    }

    /**
     * Decompresses one cluster. {@code in[0, inLen)} may hold padding after the stream (the sector
     * rounding); the result must fill {@code out} exactly.
     */
    public void decompress(byte[] in, int inLen, byte[] out, long where) throws ImageFormatException {
        if (type == Type.DEFLATE) {
            if (inflater == null) {
                inflater = new Inflater(true);
            }
            inflater.reset();
            inflater.setInput(in, 0, inLen);
            int n;
            try {
                n = inflater.inflate(out, 0, out.length);
                // Inflater may stop early with input left (its internal buffering): drain.
                while (n < out.length && !inflater.finished() && !inflater.needsInput()) {
                    int m = inflater.inflate(out, n, out.length - n);
                    if (m == 0) {
                        break;
                    }
                    n += m;
                }
            } catch (DataFormatException e) {
                throw new ImageFormatException("qcow2 compressed cluster", null, where, null,
                        "bad deflate data: " + e.getMessage());
            }
            if (n != out.length) {
                throw new ImageFormatException("qcow2 compressed cluster", null, where, null,
                        "deflate data gives " + n + " bytes, not a cluster of " + out.length);
            }
            return;
        }
        int frame = ZstdFrames.frameLength(in, inLen, where);
        if (NativeZstd.available()) {
            nativeBuffers(frame, out.length);
            nIn.put(0, in, 0, frame);
            long n = NativeZstd.decompress(nOutAddress, out.length, nInAddress, frame);
            if (n != out.length) {
                throw new ImageFormatException("qcow2 compressed cluster", null, where, null,
                        n < 0 ? "bad zstd data" : "zstd data gives " + n + " bytes, not a cluster of " + out.length);
            }
            nOut.get(0, out, 0, out.length);
            return;
        }
        if (zd == null) {
            zd = new ZstdDecompressor();
        }
        int n;
        try {
            n = zd.decompress(in, 0, frame, out, 0, out.length);
        } catch (MalformedInputException | IndexOutOfBoundsException e) {
            throw new ImageFormatException("qcow2 compressed cluster", null, where, null,
                    "bad zstd data: " + e.getMessage());
        }
        if (n != out.length) {
            throw new ImageFormatException("qcow2 compressed cluster", null, where, null,
                    "zstd data gives " + n + " bytes, not a cluster of " + out.length);
        }
    }

    private void nativeBuffers(int in, int out) {
        if (nIn == null || nIn.capacity() < in) {
            nIn = ByteBuffer.allocateDirect(Math.max(in, 65536));
            nInAddress = NativeZstd.address(nIn);
        }
        if (nOut == null || nOut.capacity() < out) {
            nOut = ByteBuffer.allocateDirect(Math.max(out, 65536));
            nOutAddress = NativeZstd.address(nOut);
        }
    }

    /** Frees native state (the zstd context); the instance stays usable. */
    @Override
    public void close() {
        if (cctx != 0) {
            NativeZstd.freeCCtx(cctx);
            cctx = 0;
        }
        if (deflater != null) {
            deflater.end();
            deflater = null;
        }
        if (inflater != null) {
            inflater.end();
            inflater = null;
        }
    }
}
