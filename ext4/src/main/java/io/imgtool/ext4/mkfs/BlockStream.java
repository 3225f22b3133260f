package io.imgtool.ext4.mkfs;

import io.imgtool.core.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Gathers blocks bound for consecutive block numbers into one large buffer and writes it with one
 * device write when the run breaks or the buffer fills: file data, directory and extent blocks go
 * out in big sequential writes.
 */
final class BlockStream {

    private final BlockDevice dev;
    private final int blockSize;
    private final ByteBuffer buf;
    private long start = -1;
    private int blocks;
    long bytesWritten;

    BlockStream(BlockDevice dev, int blockSize, int bufferBytes) {
        this.dev = dev;
        this.blockSize = blockSize;
        int cap = Math.max(blockSize, bufferBytes / blockSize * blockSize);
        this.buf = ByteBuffer.allocateDirect(cap);
    }

    /** Room (in blocks) before the buffer must be flushed. */
    private void prepare(long block) throws IOException {
        if (start >= 0 && (block != start + blocks || buf.position() == buf.capacity())) {
            flush();
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
            ByteBuffer part = src.slice(src.position(), have);
            buf.put(part);
            src.position(src.position() + have);
            for (int z = have; z < bytes; z++) {
                buf.put((byte) 0);
            }
            blocks += take;
            i += take;
        }
    }

    void flush() throws IOException {
        if (start < 0) {
            return;
        }
        buf.flip();
        bytesWritten += buf.remaining();
        dev.write(buf, start * blockSize);
        buf.clear();
        start = -1;
        blocks = 0;
    }
}
