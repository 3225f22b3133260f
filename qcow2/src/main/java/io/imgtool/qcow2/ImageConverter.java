package io.imgtool.qcow2;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.BlockDevices;
import io.imgtool.core.Extent;
import io.imgtool.core.ImageException;
import io.imgtool.qcow2.internal.Codec;
import io.imgtool.qcow2.internal.Creator;
import io.imgtool.qcow2.internal.Header;
import io.imgtool.qcow2.internal.OutputFile;
import io.imgtool.qcow2.internal.SequentialWriter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;

/**
 * Copies a disk (any {@link BlockDevice}: a qcow2 chain, a raw file) into a new raw or qcow2 file,
 * like {@code qemu-img convert}.
 *
 * <ul>
 *   <li>Sparse: only what the source's allocation map calls data is read, in large reads; units
 *       (clusters, or 4 KiB for raw output) that read as zero are not written.</li>
 *   <li>A qcow2 output is laid out front to back by a sequential writer: data clusters contiguous
 *       in guest order, one write per run, each table written once (see {@code SequentialWriter}).</li>
 *   <li>The output is written under a temporary name and renamed when complete: it either does
 *       not exist or is whole, whenever the process is killed. With {@link Options#sync()} (the
 *       default) it is also forced to disk before the rename, with the disk kept busy in parallel
 *       while converting; without, it reaches the disk when the kernel writes it back, as with
 *       {@code qemu-img convert}'s default cache mode.</li>
 *   <li>With compression, clusters are compressed on all cores and written in guest order, at
 *       most {@code 4 × threads} windows in flight (bounded memory).</li>
 * </ul>
 */
public final class ImageConverter {

    /** How to convert. {@code qcow2} options apply when the output is qcow2 (their size is ignored). */
    public record Options(DiskImage.Format outputFormat, Qcow2Options qcow2, boolean compress, int threads,
                          int deflateLevel, LongConsumer progress, boolean sync) {

        public static Options raw() {
            return new Options(DiskImage.Format.RAW, null, false, 1, DEFAULT_DEFLATE_LEVEL, null, true);
        }

        public static Options qcow2(Qcow2Options o, boolean compress) {
            return new Options(DiskImage.Format.QCOW2, o, compress, Runtime.getRuntime().availableProcessors(),
                    DEFAULT_DEFLATE_LEVEL, null, true);
        }

        public Options withProgress(LongConsumer p) {
            return new Options(outputFormat, qcow2, compress, threads, deflateLevel, p, sync);
        }

        public Options withThreads(int n) {
            return new Options(outputFormat, qcow2, compress, Math.max(1, n), deflateLevel, progress, sync);
        }

        public Options withDeflateLevel(int level) {
            return new Options(outputFormat, qcow2, compress, threads, level, progress, sync);
        }

        /**
         * Whether the output is forced to disk before it gets its name (default true). Without, a
         * killed process still never leaves a partial output, but a power loss soon after may.
         */
        public Options withSync(boolean s) {
            return new Options(outputFormat, qcow2, compress, threads, deflateLevel, progress, s);
        }
    }

    /** What was done: source bytes read (data extents), clusters written plain and compressed. */
    public record Result(long bytesRead, long plainClusters, long compressedClusters, long outputFileSize) {
    }

    /** Bytes per read of the source (uncompressed copies). */
    private static final int CHUNK = 1 << 20;
    /** Buffers in flight between the reader thread and the writing thread. */
    private static final int BUFFERS = 4;
    /** Bytes per compression task. */
    private static final int WINDOW = 1 << 20;
    /** Zero-detection unit of raw output: a file-system block, as qemu-img's default {@code -S 4k}. */
    private static final int RAW_UNIT = 4096;
    /** Source extents are asked for in spans of this size, so a fragmented source never makes a huge list. */
    private static final long SPAN = 1L << 30;

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
        if (Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
            throw new java.nio.file.FileAlreadyExistsException(out.toString());
        }
        Header header = null;
        if (o.outputFormat() == DiskImage.Format.QCOW2) {
            Qcow2Options q = (o.qcow2() == null ? Qcow2Options.builder().size(src.size()).build() : o.qcow2())
                    .toBuilder().size(src.size()).backingFile(null, null).build();
            header = Creator.header(src.size(), Integer.numberOfTrailingZeros(q.clusterSize()), q.version(),
                    Integer.numberOfTrailingZeros(q.refcountBits()), q.extendedL2(),
                    q.compression() == Qcow2Options.Compression.ZSTD ? 1 : 0, q.lazyRefcounts(), null, null);
        }
        try (OutputFile file = OutputFile.create(out)) {
            if (o.sync()) {
                file.startWriteback();
            }
            Result r;
            if (header == null) {
                file.setLength(src.size());
                r = copy(src, RAW_UNIT, false, o.progress(), (off, data) -> file.write(data, off));
                r = new Result(r.bytesRead(), r.plainClusters(), 0, src.size());
            } else {
                SequentialWriter w = new SequentialWriter(file, header);
                int cs = w.clusterSize();
                if (o.compress()) {
                    r = compressedCopy(src, w, o);
                } else {
                    r = copy(src, cs, true, o.progress(), (off, data) -> w.writeClusters(off / cs, data));
                }
                w.finish();
                r = new Result(r.bytesRead(), w.dataClusters(), w.compressedClusters(), w.fileSize());
            }
            file.commit(o.sync());
            return r;
        }
    }

    // ---- reading the source ---------------------------------------------------------------------

    /** Receives one piece of the source's data: guest offset and length. */
    private interface RangeSink {
        void accept(long offset, int length) throws IOException;
    }

    /**
     * Calls {@code sink} for the source's data, in guest order, in pieces of at most {@code chunk}
     * bytes that start on a {@code unit} boundary and end on one (or at the source's end). Ranges
     * the allocation map calls zero or unallocated are skipped without reading.
     */
    static void forEachDataRange(BlockDevice src, int unit, int chunk, RangeSink sink) throws IOException {
        long size = src.size();
        long done = 0;
        for (long span = 0; span < size; span += SPAN) {
            for (Extent e : src.extents(span, Math.min(SPAN, size - span))) {
                if (e.allocation().readsAsZero()) {
                    continue;
                }
                long a = Math.max(done, e.offset() / unit * unit);
                long b = Math.min(size, (e.end() + unit - 1) / unit * unit);
                while (a < b) {
                    int n = (int) Math.min(chunk, b - a);
                    sink.accept(a, n);
                    a += n;
                }
                done = Math.max(done, b);
            }
        }
    }

    /** Receives a run of non-zero units at a guest offset. */
    private interface RunSink {
        void write(long offset, ByteBuffer data) throws IOException;
    }

    /** One piece read by the reader thread: where, how long (padded), and its non-zero runs. */
    private static final class Piece {
        final ByteBuffer buf;
        long offset;
        int length;
        int read;
        final int[] runs; // start, end pairs
        int runCount;

        Piece(int chunk, int unit) {
            buf = ByteBuffer.allocateDirect(chunk);
            runs = new int[2 * (chunk / unit + 1)];
        }
    }

    private static final Piece END = new Piece(0, 1);

    /**
     * Uncompressed copy in two threads: a reader reads each data piece in one call into one of a few
     * direct buffers and finds its runs of non-zero units; the calling thread writes each run in one
     * call. Buffers of {@value #CHUNK} bytes stay in the CPU caches between the read and the write
     * (measured: four times larger ones double the kernel's copying time). For qcow2 output
     * ({@code padClusters}) the last partial cluster is padded with zeroes to a whole cluster.
     */
    private static Result copy(BlockDevice src, int unit, boolean padClusters, LongConsumer progress, RunSink sink)
            throws IOException {
        int chunk = Math.max(CHUNK, unit);
        long size = src.size();
        java.util.concurrent.BlockingQueue<Piece> free = new java.util.concurrent.ArrayBlockingQueue<>(BUFFERS);
        java.util.concurrent.BlockingQueue<Piece> full = new java.util.concurrent.ArrayBlockingQueue<>(BUFFERS + 1);
        for (int i = 0; i < BUFFERS; i++) {
            free.add(new Piece(chunk, unit));
        }
        long[] read = {0};
        Throwable[] failure = {null};
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread reader = new Thread(() -> {
            try {
                forEachDataRange(src, unit, chunk, (off, len) -> {
                    Piece p = takeUnlessStopped(free, stop);
                    p.buf.clear().limit(len);
                    src.read(p.buf, off);
                    int padded = len;
                    if (padClusters && len % unit != 0) {
                        padded = (len + unit - 1) / unit * unit;
                        p.buf.limit(padded);
                        Qcow2Image.fillZero(p.buf.slice(len, padded - len));
                    }
                    p.offset = off;
                    p.length = padded;
                    p.read = len;
                    findNonZeroRuns(p, unit);
                    full.add(p);
                });
            } catch (Throwable t) {
                failure[0] = t;
            } finally {
                full.add(END);
            }
        }, "imgtool-convert-reader");
        reader.setDaemon(true);
        reader.start();
        try {
            while (true) {
                Piece current = takeInterruptibly(full);
                if (current == END) {
                    break;
                }
                for (int i = 0; i < current.runCount; i++) {
                    int a = current.runs[2 * i];
                    int b = current.runs[2 * i + 1];
                    sink.write(current.offset + a, current.buf.slice(a, b - a));
                }
                read[0] += current.read;
                if (progress != null) {
                    progress.accept(Math.min(size, current.offset + current.length));
                }
                free.add(current);
            }
        } catch (IOException | RuntimeException | Error e) {
            // Stop the reader without interrupting it: an interrupt would close the source's
            // FileChannel (the caller's device) under it. It sees the flag within 50 ms.
            stop.set(true);
            joinQuietly(reader);
            throw e;
        }
        joinQuietly(reader);
        if (failure[0] != null) {
            rethrow(failure[0]);
        }
        if (progress != null) {
            progress.accept(size);
        }
        return new Result(read[0], 0, 0, 0);
    }

    /** The next free buffer, or an exception once {@code stop} is set (checked every 50 ms). */
    private static Piece takeUnlessStopped(java.util.concurrent.BlockingQueue<Piece> q,
                                           java.util.concurrent.atomic.AtomicBoolean stop) throws IOException {
        try {
            while (true) {
                if (stop.get()) {
                    throw new InterruptedIOException("conversion stopped");
                }
                Piece p = q.poll(50, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (p != null) {
                    return p;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("conversion interrupted");
        }
    }

    private static Piece takeInterruptibly(java.util.concurrent.BlockingQueue<Piece> q) throws IOException {
        try {
            return q.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("conversion interrupted");
        }
    }

    private static void joinQuietly(Thread t) throws IOException {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("conversion interrupted");
        }
    }

    private static void rethrow(Throwable t) throws IOException {
        if (t instanceof IOException io) {
            throw io;
        }
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error er) {
            throw er;
        }
        throw new IOException(t);
    }

    /** Records the runs of non-zero units of {@code p.buf[0, p.length)}. */
    private static void findNonZeroRuns(Piece p, int unit) {
        int len = p.length;
        int runStart = -1;
        int n = 0;
        for (int at = 0; at < len; at += unit) {
            int m = Math.min(unit, len - at);
            // Data nearly always shows in a unit's first bytes: one load decides most units.
            boolean zero = (m < 8 || p.buf.getLong(at) == 0) && BlockDevices.isZero(p.buf.slice(at, m));
            if (!zero && runStart < 0) {
                runStart = at;
            } else if (zero && runStart >= 0) {
                p.runs[n++] = runStart;
                p.runs[n++] = at;
                runStart = -1;
            }
        }
        if (runStart >= 0) {
            p.runs[n++] = runStart;
            p.runs[n++] = len;
        }
        p.runCount = n / 2;
    }

    // ---- compressed copy ------------------------------------------------------------------------

    /**
     * One window of clusters and what compression made of them; reused from window to window, so
     * the converter allocates nothing per cluster. {@code out} holds the compressed clusters one
     * after the other; {@code lengths[i]} is cluster i's compressed length, 0 where it is stored
     * plain, -1 where it is zero.
     */
    private static final class Batch {
        final byte[] data;
        final byte[] out;
        final int[] lengths;
        long pos;
        int len;
        int read;

        Batch(int window, int cs) {
            data = new byte[window];
            out = new byte[window];
            lengths = new int[window / cs];
        }
    }

    private static Result compressedCopy(BlockDevice src, SequentialWriter dst, Options o) throws IOException {
        int cs = dst.clusterSize();
        int window = Math.max(cs, WINDOW / cs * cs);
        int threads = Math.max(1, o.threads());
        int inFlight = 4 * threads;
        Codec.Type type = dst.compressionType() == 1 ? Codec.Type.ZSTD : Codec.Type.DEFLATE;
        java.util.List<Codec> made = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        int maxOut = Codec.maxCompressedLength(cs);
        ThreadLocal<Codec> codecs = ThreadLocal.withInitial(() -> {
            Codec c = new Codec(type, o.deflateLevel());
            made.add(c);
            return c;
        });
        ThreadLocal<byte[]> scratch = ThreadLocal.withInitial(() -> new byte[maxOut]);
        long size = src.size();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "imgtool-compress");
            t.setDaemon(true);
            return t;
        });
        ArrayDeque<Future<Batch>> queue = new ArrayDeque<>();
        ArrayDeque<Batch> free = new ArrayDeque<>();
        for (int i = 0; i < inFlight; i++) {
            free.add(new Batch(window, cs));
        }
        long[] read = {0};
        try {
            forEachDataRange(src, cs, window, (pos, len) -> {
                while (free.isEmpty()) {
                    Batch done = take(queue);
                    read[0] += writeBatch(done, dst, cs, o.progress());
                    free.add(done);
                }
                Batch b = free.poll();
                int padded = (len + cs - 1) / cs * cs;
                src.read(ByteBuffer.wrap(b.data, 0, len), pos);
                Arrays.fill(b.data, len, padded, (byte) 0);
                b.pos = pos;
                b.len = padded;
                b.read = len;
                queue.add(pool.submit(() -> compressBatch(codecs.get(), scratch.get(), b, cs)));
            });
            while (!queue.isEmpty()) {
                read[0] += writeBatch(take(queue), dst, cs, o.progress());
            }
            if (o.progress() != null) {
                o.progress().accept(size);
            }
        } finally {
            pool.shutdownNow();
            try {
                // Tasks still running finish their cluster; only then is native codec state freed.
                if (pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES)) {
                    made.forEach(Codec::close);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return new Result(read[0], 0, 0, 0);
    }

    private static Batch take(ArrayDeque<Future<Batch>> queue) throws IOException {
        try {
            return queue.poll().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("conversion interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(c);
        }
    }

    /** Writes one batch in guest order; consecutive plain clusters go in one write. Returns bytes read. */
    private static long writeBatch(Batch b, SequentialWriter dst, int cs, LongConsumer progress) throws IOException {
        long ci0 = b.pos / cs;
        int n = b.len / cs;
        int plainFrom = -1;
        int at = 0;
        for (int i = 0; i <= n; i++) {
            int l = i < n ? b.lengths[i] : -1;
            if (l == 0 && plainFrom < 0) {
                plainFrom = i;
            } else if (l != 0 && plainFrom >= 0) {
                dst.writeClusters(ci0 + plainFrom, ByteBuffer.wrap(b.data, plainFrom * cs, (i - plainFrom) * cs));
                plainFrom = -1;
            }
            if (l > 0) {
                dst.writeCompressed(ci0 + i, b.out, at, l);
                at += l;
            }
        }
        if (progress != null) {
            progress.accept(b.pos + b.len);
        }
        return b.read;
    }

    /**
     * Compresses the clusters of {@code b}: zero clusters are marked -1, clusters compression does
     * not shrink by at least a byte (QEMU's rule; clusters are packed byte by byte) 0, the others
     * appended to {@code b.out}. The last, partial cluster of the disk is stored plain (padded).
     */
    private static Batch compressBatch(Codec codec, byte[] tmp, Batch b, int cs) {
        int n = b.len / cs;
        int at = 0;
        for (int i = 0; i < n; i++) {
            int off = i * cs;
            if (BlockDevices.isZero(b.data, off, cs)) {
                b.lengths[i] = -1;
                continue;
            }
            int m = off + cs > b.read ? -1 : codec.compress(b.data, off, cs, tmp, cs);
            if (m > 0 && at + m <= b.out.length) {
                System.arraycopy(tmp, 0, b.out, at, m);
                at += m;
                b.lengths[i] = m;
            } else {
                b.lengths[i] = 0;
            }
        }
        return b;
    }
}
