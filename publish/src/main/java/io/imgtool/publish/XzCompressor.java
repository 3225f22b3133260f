package io.imgtool.publish;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.BlockDevices;
import io.imgtool.core.Extent;
import io.imgtool.core.ImageException;
import io.imgtool.publish.internal.Crc64;
import io.imgtool.publish.internal.XzFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;
import org.tukaani.xz.BasicArrayCache;
import org.tukaani.xz.FinishableOutputStream;
import org.tukaani.xz.FinishableWrapperOutputStream;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.UnsupportedOptionsException;

/**
 * Writes a device as one .xz stream of independent blocks, compressed in parallel.
 *
 * <p>The output is what {@code xz --block-size=16MiB -T0} writes and what virt-builder and
 * nbdkit's xz filter want: one stream, blocks of {@link Builder#blockSize} uncompressed bytes each
 * (the last shorter), every block header carrying its compressed and uncompressed size, an index
 * listing every block so a reader can seek, CRC64 checks. Each block is compressed on its own by a
 * raw LZMA2 encoder (xz-java) on a pool of threads; this class writes the container around it.
 * Blocks are written in order, and at most {@code threads + 1} blocks are held in memory at once.
 * The output does not depend on the number of threads.
 *
 * <p>The source's allocation map is used: a block that is all holes or zeroes is not read, and its
 * compressed form (the same for every such block) is computed once.
 *
 * <pre>{@code
 * try (BlockDevice disk = RawFileDevice.open(raw, false)) {
 *     XzResult r = XzCompressor.builder().build().compress(disk, Path.of("disk.raw.xz"));
 * }
 * }</pre>
 */
public final class XzCompressor {

    /** The block size virt-builder uses and nbdkit-xz recommends: 16 MiB. */
    public static final int DEFAULT_BLOCK_SIZE = 16 << 20;

    private final int blockSize;
    private final int threads;
    private final int preset;
    private final LongConsumer progress;

    private XzCompressor(Builder b) {
        this.blockSize = b.blockSize;
        this.threads = b.threads;
        this.preset = b.preset;
        this.progress = b.progress;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options for {@link XzCompressor}. */
    public static final class Builder {
        private int blockSize = DEFAULT_BLOCK_SIZE;
        private int threads = Runtime.getRuntime().availableProcessors();
        private int preset = LZMA2Options.PRESET_DEFAULT;
        private LongConsumer progress = done -> { };

        private Builder() {
        }

        /** Uncompressed bytes per block: 64 KiB to 256 MiB (default 16 MiB). */
        public Builder blockSize(long bytes) {
            if (bytes < (64 << 10) || bytes > (256 << 20)) {
                throw new IllegalArgumentException("xz block size must be 64 KiB to 256 MiB, not " + bytes);
            }
            this.blockSize = (int) bytes;
            return this;
        }

        /** Blocks compressed at once (default: the number of processors). */
        public Builder threads(int threads) {
            if (threads < 1 || threads > 1024) {
                throw new IllegalArgumentException("threads must be 1 to 1024");
            }
            this.threads = threads;
            return this;
        }

        /** The xz preset 0 to 9, as {@code xz -0} ... {@code xz -9} (default 6). */
        public Builder preset(int preset) {
            if (preset < LZMA2Options.PRESET_MIN || preset > LZMA2Options.PRESET_MAX) {
                throw new IllegalArgumentException("xz preset must be 0 to 9, not " + preset);
            }
            this.preset = preset;
            return this;
        }

        /** Called with the uncompressed bytes written so far, after each block. */
        public Builder progress(LongConsumer progress) {
            this.progress = java.util.Objects.requireNonNull(progress);
            return this;
        }

        public XzCompressor build() {
            return new XzCompressor(this);
        }
    }

    /**
     * Compresses the whole device into a new file {@code out}. It is written under a temporary name
     * beside it and renamed when complete, so a crash never leaves a truncated {@code out}.
     *
     * @throws FileAlreadyExistsException if {@code out} exists
     */
    public XzResult compress(BlockDevice src, Path out) throws IOException {
        if (Files.exists(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(out.toString());
        }
        Path dir = out.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + out.getFileName(), ".part");
        boolean done = false;
        try {
            XzResult r;
            try (OutputStream os = Files.newOutputStream(tmp)) {
                r = compress(src, os);
            }
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            if (Files.exists(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(out.toString());
            }
            try {
                Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, out);
            }
            done = true;
            return r;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Compresses the whole device into {@code out} (not closed). */
    public XzResult compress(BlockDevice src, OutputStream out) throws IOException {
        LZMA2Options options = options();
        long size = src.size();
        long blockCount = size == 0 ? 0 : (size - 1) / blockSize + 1;
        if (blockCount > Integer.MAX_VALUE) {
            throw ImageException.invalidArgument("too many xz blocks: raise the block size");
        }
        CountingOutputStream cout = new CountingOutputStream(out);
        cout.write(XzFormat.streamHeader(XzFormat.CHECK_CRC64));
        List<XzFormat.BlockRecord> records = new ArrayList<>((int) blockCount);
        Map<Integer, Compressed> zeroBlocks = new ConcurrentHashMap<>();
        Stats stats = new Stats();
        int dict = options.getDictSize();

        BlockingQueue<byte[]> buffers = new ArrayBlockingQueue<>(threads + 1);
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "imgtool-xz");
            t.setDaemon(true);
            return t;
        });
        ArrayDeque<Future<Compressed>> inFlight = new ArrayDeque<>();
        int allocated = 0;
        try {
            for (long i = 0; i < blockCount; i++) {
                long start = i * blockSize;
                int len = (int) Math.min(blockSize, size - start);
                if (inFlight.size() > threads) {
                    writeBlock(cout, take(inFlight.removeFirst()), records, dict, stats);
                }
                if (allZero(src, start, len)) {
                    inFlight.addLast(pool.submit(() -> zeroBlock(zeroBlocks, len, options)));
                    continue;
                }
                byte[] buf = buffers.poll();
                if (buf == null) {
                    // At most threads + 1 blocks are in flight, so at most threads + 2 buffers exist.
                    buf = new byte[blockSize];
                    allocated++;
                }
                read(src, start, buf, len);
                byte[] in = buf;
                inFlight.addLast(pool.submit(() -> {
                    try {
                        if (BlockDevices.isZero(in, 0, len)) {
                            return zeroBlock(zeroBlocks, len, options);
                        }
                        return compressBlock(in, len, options);
                    } finally {
                        buffers.offer(in);
                    }
                }));
            }
            while (!inFlight.isEmpty()) {
                writeBlock(cout, take(inFlight.removeFirst()), records, dict, stats);
            }
        } finally {
            pool.shutdownNow();
        }
        byte[] index = XzFormat.index(records);
        cout.write(index);
        cout.write(XzFormat.streamFooter(index.length, XzFormat.CHECK_CRC64));
        cout.flush();
        return new XzResult(size, cout.count, records.size(), stats.zeroBlocks, blockSize);
    }

    private static final class Stats {
        long written;
        int zeroBlocks;
    }

    private void writeBlock(CountingOutputStream out, Compressed c, List<XzFormat.BlockRecord> records, int dict,
                            Stats stats) throws IOException {
        // Every header names the dictionary the encoder used; for a short last block it is merely larger
        // than needed.
        byte[] header = XzFormat.blockHeader(c.length, c.uncompressed, dict);
        out.write(header);
        out.write(c.data, 0, c.length);
        out.write(new byte[XzFormat.blockPadding(c.length)]);
        byte[] check = new byte[XzFormat.CHECK_SIZE];
        XzFormat.putLong(check, 0, c.crc64);
        out.write(check);
        records.add(new XzFormat.BlockRecord(header.length + (long) c.length + XzFormat.CHECK_SIZE, c.uncompressed));
        if (c.zero) {
            stats.zeroBlocks++;
        }
        stats.written += c.uncompressed;
        progress.accept(stats.written);
    }

    private static Compressed take(Future<Compressed> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while compressing");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IOException(c);
        }
    }

    /** Whether the allocation map says the range holds no data. */
    private static boolean allZero(BlockDevice src, long start, int len) throws IOException {
        for (Extent e : src.extents(start, len)) {
            if (!e.allocation().readsAsZero()) {
                return false;
            }
        }
        return true;
    }

    /** Reads the DATA extents of the range into {@code buf}; everything else is zero-filled. */
    private static void read(BlockDevice src, long start, byte[] buf, int len) throws IOException {
        for (Extent e : src.extents(start, len)) {
            int off = (int) (e.offset() - start);
            int n = (int) e.length();
            if (e.allocation().readsAsZero()) {
                Arrays.fill(buf, off, off + n, (byte) 0);
            } else {
                src.read(ByteBuffer.wrap(buf, off, n), e.offset());
            }
        }
    }

    private Compressed zeroBlock(Map<Integer, Compressed> cache, int len, LZMA2Options options) throws IOException {
        Compressed c = cache.get(len);
        if (c == null) {
            byte[] zeros = new byte[len];
            Compressed z = compressBlock(zeros, len, options);
            c = new Compressed(z.data, z.length, z.uncompressed, z.crc64, true);
            Compressed prev = cache.putIfAbsent(len, c);
            c = prev == null ? c : prev;
        }
        return c;
    }

    private Compressed compressBlock(byte[] in, int len, LZMA2Options options) throws IOException {
        Crc64 crc = new Crc64();
        crc.update(in, 0, len);
        ExposedBuffer bout = new ExposedBuffer(len / 2 + 1024);
        FinishableOutputStream enc = options.getOutputStream(new FinishableWrapperOutputStream(bout),
                BasicArrayCache.getInstance());
        enc.write(in, 0, len);
        enc.finish();
        return new Compressed(bout.array(), bout.size(), len, crc.value(), false);
    }

    private LZMA2Options options() throws IOException {
        try {
            LZMA2Options o = new LZMA2Options(preset);
            o.setDictSize(dictSize(blockSize));
            return o;
        } catch (UnsupportedOptionsException e) {
            throw new IOException(e);
        }
    }

    /** The preset's dictionary, but no larger than a block needs (as xz does for small inputs). */
    private int dictSize(int uncompressed) throws IOException {
        try {
            int preset = new LZMA2Options(this.preset).getDictSize();
            return Math.max(LZMA2Options.DICT_SIZE_MIN, Math.min(preset, uncompressed));
        } catch (UnsupportedOptionsException e) {
            throw new IOException(e);
        }
    }

    /** A compressed block, ready to be framed. */
    private record Compressed(byte[] data, int length, int uncompressed, long crc64, boolean zero) {
    }

    private static final class ExposedBuffer extends ByteArrayOutputStream {
        ExposedBuffer(int size) {
            super(size);
        }

        byte[] array() {
            return buf;
        }
    }

    private static final class CountingOutputStream extends OutputStream {
        private final OutputStream out;
        long count;

        CountingOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }
    }
}
