package io.imgtool.ext4.nio;

import io.imgtool.ext4.internal.FileData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;

/**
 * A channel over one regular file. Reads see holes and unwritten extents as zeroes. On a writable
 * filesystem a channel opened for writing writes through the engine (each write one operation;
 * {@code APPEND} writes at the end); reads then always see the current content.
 */
final class Ext4ByteChannel implements SeekableByteChannel {

    private final Ext4FileSystem fs;
    private final long ino;
    private final FileData fixed;
    private final boolean readable;
    private final boolean writable;
    private final boolean append;
    private final Ext4FileSystem.IoCall<Void> onClose;
    private long position;
    private boolean open = true;

    /** A read-only channel over content that cannot change. */
    Ext4ByteChannel(Ext4FileSystem fs, FileData data) {
        this.fs = fs;
        this.ino = -1;
        this.fixed = data;
        this.readable = true;
        this.writable = false;
        this.append = false;
        this.onClose = null;
    }

    /** A channel of a writable filesystem, reading the inode's current content on each call. */
    Ext4ByteChannel(Ext4FileSystem fs, long ino, boolean readable, boolean writable, boolean append,
                    Ext4FileSystem.IoCall<Void> onClose) {
        this.fs = fs;
        this.ino = ino;
        this.fixed = null;
        this.readable = readable;
        this.writable = writable;
        this.append = append;
        this.onClose = onClose;
    }

    private void ensureOpen() throws IOException {
        if (!open || !fs.isOpen()) {
            throw new ClosedChannelException();
        }
    }

    private FileData data() throws IOException {
        if (fixed != null) {
            return fixed;
        }
        return new FileData(fs.engine().fs, ino, fs.engine().fs.inode(ino));
    }

    @Override
    public synchronized int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        if (!readable) {
            throw new NonReadableChannelException();
        }
        if (!dst.hasRemaining()) {
            return 0;
        }
        int n = fs.locked(() -> data().read(dst, position));
        if (n > 0) {
            position += n;
        }
        return n;
    }

    @Override
    public synchronized int write(ByteBuffer src) throws IOException {
        ensureOpen();
        if (!writable) {
            throw new NonWritableChannelException();
        }
        return fs.locked(() -> {
            long pos = append ? data().size() : position;
            int n = fs.writer().write(ino, pos, src);
            position = pos + n;
            return n;
        });
    }

    @Override
    public synchronized long position() throws IOException {
        ensureOpen();
        return position;
    }

    @Override
    public synchronized SeekableByteChannel position(long newPosition) throws IOException {
        ensureOpen();
        if (newPosition < 0) {
            throw new IllegalArgumentException("negative position");
        }
        position = newPosition;
        return this;
    }

    @Override
    public synchronized long size() throws IOException {
        ensureOpen();
        return fs.locked(() -> data().size());
    }

    @Override
    public synchronized SeekableByteChannel truncate(long size) throws IOException {
        ensureOpen();
        if (!writable) {
            throw new NonWritableChannelException();
        }
        if (size < 0) {
            throw new IllegalArgumentException("negative size");
        }
        fs.locked(() -> {
            if (size < data().size()) {
                fs.writer().truncate(ino, size);
            }
            return null;
        });
        if (position > size) {
            position = size;
        }
        return this;
    }

    @Override
    public synchronized boolean isOpen() {
        return open;
    }

    @Override
    public synchronized void close() throws IOException {
        if (!open) {
            return;
        }
        open = false;
        if (onClose != null && fs.isOpen()) {
            fs.locked(onClose);
        }
    }
}
