package io.imgtool.ext4.mkfs;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Reads the contents of small files ahead of the writer, on two threads, in the order the writer
 * will ask for them: opening and reading tens of thousands of small files is most of a copy's
 * cost, and it overlaps with building and writing the filesystem. Files above {@link #SMALL} bytes
 * are streamed by the caller instead. At most {@link #WINDOW_BYTES} are held ahead.
 */
final class Prefetcher implements AutoCloseable {

    static final int SMALL = 1 << 20;
    private static final long WINDOW_BYTES = 64L << 20;
    private static final int WINDOW_FILES = 512;

    private final List<Node> files;
    private final ExecutorService pool;
    private final Deque<Future<ByteBuffer>> ahead = new ArrayDeque<>();
    private final Deque<Node> aheadNodes = new ArrayDeque<>();
    private int next;
    private long aheadBytes;

    Prefetcher(List<Node> files, int threads) {
        this.files = files;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "mkfs-reader");
            t.setDaemon(true);
            return t;
        });
    }

    static boolean wants(Node n) {
        return n.isRegular() && n.linkOf == null && n.size > 0 && n.size <= SMALL;
    }

    private void fill() {
        while (next < files.size() && ahead.size() < WINDOW_FILES && aheadBytes < WINDOW_BYTES) {
            Node n = files.get(next++);
            aheadBytes += n.size;
            aheadNodes.add(n);
            ahead.add(pool.submit(() -> read(n)));
        }
    }

    private static ByteBuffer read(Node n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) n.size);
        try (SeekableByteChannel ch = Files.newByteChannel(n.path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            while (b.hasRemaining()) {
                if (ch.read(b) < 0) {
                    break; // the file shrank since the scan: what is there is copied
                }
            }
        }
        return b.flip();
    }

    /** The contents of {@code n}, which must be the next file this prefetcher holds. */
    ByteBuffer get(Node n) throws IOException {
        fill();
        Node head = aheadNodes.poll();
        Future<ByteBuffer> f = ahead.poll();
        if (head != n || f == null) {
            throw new IllegalStateException("prefetch order broken at " + n.path);
        }
        aheadBytes -= n.size;
        try {
            ByteBuffer b = f.get();
            fill();
            return b;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading " + n.path);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("reading " + n.path, e.getCause());
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
