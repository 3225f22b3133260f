package io.imgtool.ext4.mkfs;

import io.imgtool.core.BlockDevice;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Gathers blocks bound for consecutive block numbers into one large buffer and writes it with one
 * device write when the run breaks or the buffer fills: file data, directory and extent blocks go
 * out in big sequential writes. Two buffers alternate: one is written by a background thread while
 * the caller fills the other, so reading the source overlaps writing the image. Writes reach the
 * device in the order they were queued; {@link #flush} waits for all of them.
 */
final class BlockStream implements AutoCloseable {

    private final BlockDevice dev;
    private final int blockSize;
    private ByteBuffer buf;
    private ByteBuffer spare;
    private long start = -1;
    private int blocks;
    private final ExecutorService writer;
    private Future<?> pending;
    long bytesWritten;

    BlockStream(BlockDevice dev, int blockSize, int bufferBytes) {
        this.dev = dev;
        this.blockSize = blockSize;
        int cap = Math.max(blockSize, bufferBytes / blockSize * blockSize);
        this.buf = ByteBuffer.allocateDirect(cap);
        this.spare = ByteBuffer.allocateDirect(cap);
        this.writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "mkfs-writer");
            t.setDaemon(true);
            return t;
        });
    }

    private void prepare(long block) throws IOException {
        if (start >= 0 && (block != start + blocks || buf.position() == buf.capacity())) {
            submit();
        }
        if (start < 0) {
            start = block;
        }
    }

    /** Queues one block (exactly {@code blockSize} bytes from {@code src[off..]}) for {@code block}. */
    void put(long block, byte[] src, int off) throws IOException {
        prepare(block);
        buf.put(src, off, blockSize);
        blocks++;
    }

    /**
     * Queues {@code n} blocks from {@code src} (its position advances by n blocks; the last block may
     * be short and is padded with zeroes) for blocks {@code block..block+n-1}.
     */
    void put(long block, ByteBuffer src, int n) throws IOException {
        for (int i = 0; i < n; ) {
            prepare(block + i);
            int room = (buf.capacity() - buf.position()) / blockSize;
            int take = Math.min(room, n - i);
            int bytes = take * blockSize;
            int have = Math.min(bytes, src.remaining());
            buf.put(src.slice(src.position(), have));
            src.position(src.position() + have);
            for (int z = have; z < bytes; z++) {
                buf.put((byte) 0);
            }
            blocks += take;
            i += take;
        }
    }

    /** Hands the filled buffer to the writer thread and continues in the other one. */
    private void submit() throws IOException {
        if (start < 0) {
            return;
        }
        awaitPending();
        ByteBuffer full = buf;
        full.flip();
        long offset = start * blockSize;
        bytesWritten += full.remaining();
        pending = writer.submit(() -> {
            dev.write(full, offset);
            return null;
        });
        buf = spare;
        spare = full;
        buf.clear();
        start = -1;
        blocks = 0;
    }

    private void awaitPending() throws IOException {
        if (pending == null) {
            return;
        }
        try {
            pending.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        } finally {
            pending = null;
        }
    }

    /** Writes everything queued and waits for it. */
    void flush() throws IOException {
        submit();
        awaitPending();
    }

    @Override
    public void close() {
        writer.shutdownNow();
    }
}
