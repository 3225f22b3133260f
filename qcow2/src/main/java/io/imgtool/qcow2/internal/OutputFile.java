package io.imgtool.qcow2.internal;

import io.imgtool.core.ImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A new output file written under a temporary name ({@code .NAME.imgtool-new} in the same folder)
 * and renamed to its name only when complete: a converted image either does not exist or is
 * whole, whenever the process is killed. While it is written, the temporary file is locked, so two
 * runs writing the same output cannot mix their data; a temporary file left by a killed run is
 * reused (truncated) by the next one.
 *
 * <p>Durability against power loss is the caller's choice ({@link #commit(boolean)}): with
 * {@code sync}, the data is forced to disk before the rename and the folder after it; without, the
 * output is complete for every process as soon as the rename is done and reaches the disk when the
 * kernel writes it back (what {@code qemu-img convert} does by default, with its "unsafe" cache mode).
 * A {@link #startWriteback() background flush} started while writing makes the final sync cheap.
 */
public final class OutputFile implements AutoCloseable {

    /** Bytes written between two background flushes. */
    private static final long WRITEBACK_STEP = 64L << 20;

    private final Path target;
    private final Path tmp;
    private final FileChannel channel;
    private final FileLock lock;
    private boolean committed;
    private boolean closed;
    private Thread flusher;
    private final Object flushLock = new Object();
    private long written;
    private long flushedAt;
    private volatile boolean stopFlusher;
    private volatile IOException flushFailure;

    private OutputFile(Path target, Path tmp, FileChannel channel, FileLock lock) {
        this.target = target;
        this.tmp = tmp;
        this.channel = channel;
        this.lock = lock;
    }

    /** Creates the temporary file for {@code target}, which must not exist. */
    public static OutputFile create(Path target) throws IOException {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString());
        }
        Path name = target.getFileName();
        if (name == null) {
            throw ImageException.invalidArgument("no file name in " + target);
        }
        Path tmp = target.resolveSibling("." + name + ".imgtool-new");
        // Not truncated before the lock is held: a concurrent run may be writing it.
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        FileLock lock = null;
        try {
            try {
                lock = ch.tryLock(0, Long.MAX_VALUE, false);
            } catch (java.nio.channels.OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new ImageException(ImageException.Kind.LOCKED, tmp
                        + " is being written by another process (another conversion to " + target + "?)");
            }
            ch.truncate(0);
            return new OutputFile(target, tmp, ch, lock);
        } catch (IOException | RuntimeException e) {
            if (lock != null) {
                Files.deleteIfExists(tmp);
            }
            ch.close();
            throw e;
        }
    }

    public FileChannel channel() {
        return channel;
    }

    public Path target() {
        return target;
    }

    /** Writes all of {@code src} at {@code offset} (past the end grows the file). */
    public void write(ByteBuffer src, long offset) throws IOException {
        long pos = offset;
        int n = src.remaining();
        while (src.hasRemaining()) {
            pos += channel.write(src, pos);
        }
        if (flusher != null) {
            noteWritten(n);
        }
    }

    /** Sets the file length (a sparse file: nothing is written). */
    public void setLength(long length) throws IOException {
        if (channel.size() > length) {
            channel.truncate(length);
        } else if (length > 0 && channel.size() < length) {
            channel.write(ByteBuffer.allocate(1), length - 1);
        }
    }

    /**
     * Starts a thread that forces written data to disk every {@value #WRITEBACK_STEP} bytes while the
     * caller keeps writing, so that the disk works in parallel and {@link #commit(boolean) commit(true)}
     * finds little left to do. Only useful before a synced commit.
     */
    public void startWriteback() {
        if (flusher != null) {
            return;
        }
        flusher = new Thread(this::flushLoop, "imgtool-writeback");
        flusher.setDaemon(true);
        flusher.start();
    }

    private void noteWritten(long n) {
        synchronized (flushLock) {
            written += n;
            if (written - flushedAt >= WRITEBACK_STEP) {
                flushLock.notifyAll();
            }
        }
    }

    private void flushLoop() {
        try {
            while (!stopFlusher) {
                synchronized (flushLock) {
                    while (!stopFlusher && written - flushedAt < WRITEBACK_STEP) {
                        flushLock.wait();
                    }
                    flushedAt = written;
                }
                if (!stopFlusher) {
                    channel.force(false);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            flushFailure = e;
        }
    }

    private void stopWriteback() throws IOException {
        if (flusher == null) {
            return;
        }
        stopFlusher = true;
        synchronized (flushLock) {
            flushLock.notifyAll();
        }
        try {
            flusher.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while stopping the writeback thread");
        }
        flusher = null;
        if (flushFailure != null) {
            throw flushFailure;
        }
    }

    /**
     * Makes the output visible under its name: optionally forces it to disk, then renames it (and,
     * with {@code sync}, forces the folder so that the new name survives a power loss too).
     */
    public void commit(boolean sync) throws IOException {
        stopWriteback();
        if (sync) {
            channel.force(true);
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString(), null, "created while converting");
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        committed = true;
        if (sync) {
            Path dir = target.toAbsolutePath().getParent();
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException | UnsupportedOperationException e) {
                // Some systems cannot open or sync a folder; the rename itself is done.
            }
        }
    }

    /** Releases the file; without a commit, the temporary file is deleted. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stopFlusher = true;
            synchronized (flushLock) {
                flushLock.notifyAll();
            }
            if (!committed) {
                Files.deleteIfExists(tmp);
            }
        } finally {
            try {
                if (lock.isValid()) {
                    lock.release();
                }
            } finally {
                channel.close();
            }
        }
    }
}
