package io.imgtool.qcow2;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.BlockDevices;
import io.imgtool.core.Extent;
import io.imgtool.core.ImageException;
import io.imgtool.core.RawFileDevice;
import io.imgtool.qcow2.internal.Codec;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;

/**
 * Copies a disk (any {@link BlockDevice}: a qcow2 chain, a raw file) into a new raw or qcow2 file,
 * like {@code qemu-img convert}. Sparse-aware: what the source's allocation map calls zero is never
 * read, and clusters that read as zero are never written. With compression, clusters are compressed
 * on all cores and written in guest order, with a bounded number of windows in flight.
 */
public final class ImageConverter {

    /** How to convert. {@code qcow2} options apply when the output is qcow2 (their size is ignored). */
    public record Options(DiskImage.Format outputFormat, Qcow2Options qcow2, boolean compress, int threads,
                          int deflateLevel, LongConsumer progress) {

        public static Options raw() {
            return new Options(DiskImage.Format.RAW, null, false, 1, DEFAULT_DEFLATE_LEVEL, null);
        }

        public static Options qcow2(Qcow2Options o, boolean compress) {
            return new Options(DiskImage.Format.QCOW2, o, compress, Runtime.getRuntime().availableProcessors(),
                    DEFAULT_DEFLATE_LEVEL, null);
        }

        public Options withProgress(LongConsumer p) {
            return new Options(outputFormat, qcow2, compress, threads, deflateLevel, p);
        }

        public Options withThreads(int n) {
            return new Options(outputFormat, qcow2, compress, Math.max(1, n), deflateLevel, progress);
        }

        public Options withDeflateLevel(int level) {
            return new Options(outputFormat, qcow2, compress, threads, level, progress);
        }
    }

    /** What was done: source bytes read (data extents), clusters written plain and compressed. */
    public record Result(long bytesRead, long plainClusters, long compressedClusters, long outputFileSize) {
    }

    private static final int WINDOW = 1 << 20;

    /**
     * Deflate level of compressed output. With its 32 KiB window, {@code Deflater} at level 4 makes
     * output within about 1% of what QEMU's level 6 with a 4 KiB window makes, at a third of level
     * 6's time (measured on text-like and random clusters; see docs/qcow2.md).
     */
    public static final int DEFAULT_DEFLATE_LEVEL = 4;

    private ImageConverter() {
    }

    /** Converts {@code src} into the new file {@code out} (which must not exist). */
    public static Result convert(BlockDevice src, Path out, Options o) throws IOException {
        if (o.compress() && o.outputFormat() != DiskImage.Format.QCOW2) {
            throw ImageException.invalidArgument("compression needs qcow2 output");
        }
        boolean ok = false;
        try {
            Result r;
            if (o.outputFormat() == DiskImage.Format.RAW) {
                try (RawFileDevice dst = RawFileDevice.create(out, src.size())) {
                    r = copy(src, dst, WINDOW, o.progress(), null);
                    dst.flush();
                }
            } else {
                Qcow2Options q = (o.qcow2() == null ? Qcow2Options.builder().size(src.size()).build() : o.qcow2())
                        .toBuilder().size(src.size()).backingFile(null, null).build();
                try (Qcow2Image dst = Qcow2Image.create(out, q)) {
                    if (o.compress()) {
                        r = compressedCopy(src, dst, o);
                    } else {
                        r = copy(src, dst, Math.max(WINDOW, 2 * dst.clusterSize()), o.progress(), dst);
                    }
                }
            }
            ok = true;
            return new Result(r.bytesRead(), r.plainClusters(), r.compressedClusters(), Files.size(out));
        } finally {
            if (!ok && Thread.currentThread().isInterrupted()) {
                Files.deleteIfExists(out);
            }
        }
    }

    /**
     * Reads window {@code [pos, pos+len)} of {@code src} into {@code buf}: data extents are read,
     * everything else is zero-filled. Returns the bytes actually read, or -1 if the window holds no data.
     */
    static long readWindow(BlockDevice src, long pos, int len, byte[] buf) throws IOException {
        List<Extent> ext = src.extents(pos, len);
        long read = 0;
        boolean any = false;
        for (Extent e : ext) {
            int at = (int) (e.offset() - pos);
            if (e.allocation().readsAsZero()) {
                java.util.Arrays.fill(buf, at, at + (int) e.length(), (byte) 0);
            } else {
                any = true;
                src.read(ByteBuffer.wrap(buf, at, (int) e.length()), e.offset());
                read += e.length();
            }
        }
        return any ? read : -1;
    }

    /** Like {@link #readWindow(BlockDevice, long, int, byte[])} into a (direct) buffer, positions untouched. */
    static long readWindow(BlockDevice src, long pos, int len, ByteBuffer buf) throws IOException {
        long read = 0;
        boolean any = false;
        for (Extent e : src.extents(pos, len)) {
            int at = (int) (e.offset() - pos);
            ByteBuffer part = buf.slice(at, (int) e.length());
            if (e.allocation().readsAsZero()) {
                Qcow2Image.fillZero(part);
            } else {
                any = true;
                src.read(part, e.offset());
                read += e.length();
            }
        }
        return any ? read : -1;
    }

    /**
     * Uncompressed copy through one direct buffer (no heap copies): non-zero units (clusters, or
     * 64 KiB for raw output) are written in runs, one write per run.
     */
    private static Result copy(BlockDevice src, BlockDevice dst, int window, LongConsumer progress, Qcow2Image q)
            throws IOException {
        int unit = q != null ? q.clusterSize() : 64 * 1024;
        ByteBuffer buf = ByteBuffer.allocateDirect(window);
        long size = src.size();
        long read = 0;
        long units = 0;
        for (long pos = 0; pos < size; pos += window) {
            int len = (int) Math.min(window, size - pos);
            long n = readWindow(src, pos, len, buf);
            if (n >= 0) {
                read += n;
                int runStart = -1;
                for (int off = 0; off < len + unit; off += unit) {
                    boolean zero = off >= len || BlockDevices.isZero(buf.slice(off, Math.min(unit, len - off)));
                    if (!zero && runStart < 0) {
                        runStart = off;
                    } else if (zero && runStart >= 0) {
                        int end = Math.min(off, len);
                        dst.write(buf.slice(runStart, end - runStart), pos + runStart);
                        units += (end - runStart + unit - 1) / unit;
                        runStart = -1;
                    }
                    if (off >= len) {
                        break;
                    }
                }
            }
            if (progress != null) {
                progress.accept(pos + len);
            }
        }
        return new Result(read, units, 0, 0);
    }

    /** One window's clusters, compressed (or null where compression did not help or the cluster is zero). */
    private record Batch(long pos, int len, byte[] data, byte[][] compressed, int[] lengths, boolean[] zero,
                         long read) {
    }

    private static Result compressedCopy(BlockDevice src, Qcow2Image dst, Options o) throws IOException {
        int cs = dst.clusterSize();
        int window = Math.max(cs, (1 << 20) / cs * cs);
        int threads = Math.max(1, o.threads());
        int inFlight = 4 * threads;
        Codec.Type type = dst.compressionType() == Qcow2Options.Compression.ZSTD ? Codec.Type.ZSTD : Codec.Type.DEFLATE;
        ThreadLocal<Codec> codecs = ThreadLocal.withInitial(() -> new Codec(type, o.deflateLevel()));
        int maxOut = Codec.maxCompressedLength(cs);
        long size = src.size();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "imgtool-compress");
            t.setDaemon(true);
            return t;
        });
        ArrayDeque<Future<Batch>> queue = new ArrayDeque<>();
        long read = 0;
        long plain = 0;
        long packed = 0;
        try {
            long pos = 0;
            while (pos < size || !queue.isEmpty()) {
                while (pos < size && queue.size() < inFlight) {
                    int len = (int) Math.min(window, size - pos);
                    byte[] data = new byte[window];
                    long n = readWindow(src, pos, len, data);
                    long p = pos;
                    if (n < 0) {
                        queue.add(java.util.concurrent.CompletableFuture.completedFuture(
                                new Batch(p, len, null, null, null, null, 0)));
                    } else {
                        queue.add(pool.submit(() -> compressBatch(codecs.get(), p, len, data, cs, maxOut, n)));
                    }
                    pos += len;
                }
                Batch b = queue.poll().get();
                read += b.read();
                if (b.data() != null) {
                    long ci0 = b.pos() / cs;
                    for (int i = 0; i < b.zero().length; i++) {
                        if (b.zero()[i]) {
                            continue;
                        }
                        int off = i * cs;
                        int clen = Math.min(cs, b.len() - off);
                        if (b.compressed()[i] != null && clen == cs) {
                            dst.writeCompressed(ci0 + i, b.compressed()[i], b.lengths()[i]);
                            packed++;
                        } else {
                            dst.write(ByteBuffer.wrap(b.data(), off, clen), b.pos() + off);
                            plain++;
                        }
                    }
                }
                if (o.progress() != null) {
                    o.progress().accept(b.pos() + b.len());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("conversion interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            throw new IOException(c);
        } finally {
            pool.shutdownNow();
        }
        return new Result(read, plain, packed, 0);
    }

    private static Batch compressBatch(Codec codec, long pos, int len, byte[] data, int cs, int maxOut, long read) {
        int n = (len + cs - 1) / cs;
        byte[][] out = new byte[n][];
        int[] lengths = new int[n];
        boolean[] zero = new boolean[n];
        byte[] in = new byte[cs];
        byte[] tmp = new byte[maxOut];
        for (int i = 0; i < n; i++) {
            int off = i * cs;
            int clen = Math.min(cs, len - off);
            if (BlockDevices.isZero(data, off, clen)) {
                zero[i] = true;
                continue;
            }
            if (clen < cs) {
                continue; // the last partial cluster is stored plain
            }
            System.arraycopy(data, off, in, 0, cs);
            int m = codec.compress(in, cs, tmp, cs - 512);
            if (m > 0) {
                out[i] = java.util.Arrays.copyOf(tmp, m);
                lengths[i] = m;
            }
        }
        return new Batch(pos, len, data, out, lengths, zero, read);
    }
}
