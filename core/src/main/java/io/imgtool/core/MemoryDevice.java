package io.imgtool.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A sparse in-memory device: storage is kept in 64 KiB chunks and only for chunks that were written,
 * so a 1 TiB device costs nothing until used. Thread-safe. For tests, for the in-memory mirror of
 * property tests, and for building small images before they are written out.
 */
public final class MemoryDevice implements ResizableDevice {

    /** Chunk size; a power of two. */
    static final int CHUNK = 64 * 1024;

    private final TreeMap<Long, byte[]> chunks = new TreeMap<>();
    private final boolean writable;
    private long size;

    public MemoryDevice(long size) {
        this(size, true);
    }

    private MemoryDevice(long size, boolean writable) {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        this.size = size;
        this.writable = writable;
    }

    /** A writable device holding a copy of {@code content}. */
    public static MemoryDevice of(byte[] content) {
        MemoryDevice d = new MemoryDevice(content.length);
        try {
            d.write(ByteBuffer.wrap(content), 0);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return d;
    }

    /** A read-only view sharing nothing: a snapshot copy of this device. */
    public synchronized MemoryDevice readOnlyCopy() {
        MemoryDevice d = new MemoryDevice(size, false);
        for (Map.Entry<Long, byte[]> e : chunks.entrySet()) {
            d.chunks.put(e.getKey(), e.getValue().clone());
        }
        return d;
    }

    @Override
    public synchronized long size() {
        return size;
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    @Override
    public synchronized void read(ByteBuffer dst, long offset) throws IOException {
        BlockDevices.checkRange(this, offset, dst.remaining());
        long pos = offset;
        while (dst.hasRemaining()) {
            long index = pos / CHUNK;
            int within = (int) (pos % CHUNK);
            int n = Math.min(CHUNK - within, dst.remaining());
            byte[] c = chunks.get(index);
            if (c == null) {
                for (int i = 0; i < n; i++) {
                    dst.put((byte) 0);
                }
            } else {
                dst.put(c, within, n);
            }
            pos += n;
        }
    }

    @Override
    public synchronized void write(ByteBuffer src, long offset) throws IOException {
        BlockDevices.checkWritable(this);
        BlockDevices.checkRange(this, offset, src.remaining());
        long pos = offset;
        while (src.hasRemaining()) {
            long index = pos / CHUNK;
            int within = (int) (pos % CHUNK);
            int n = Math.min(CHUNK - within, src.remaining());
            byte[] c = chunks.computeIfAbsent(index, k -> new byte[CHUNK]);
            src.get(c, within, n);
            pos += n;
        }
    }

    @Override
    public void flush() {
        // Memory is as durable as it gets.
    }

    @Override
    public synchronized void writeZeroes(long offset, long length) throws IOException {
        BlockDevices.checkWritable(this);
        BlockDevices.checkRange(this, offset, length);
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            long index = pos / CHUNK;
            int within = (int) (pos % CHUNK);
            int n = (int) Math.min(CHUNK - within, end - pos);
            if (n == CHUNK) {
                chunks.remove(index);
            } else {
                byte[] c = chunks.get(index);
                if (c != null) {
                    Arrays.fill(c, within, within + n, (byte) 0);
                }
            }
            pos += n;
        }
    }

    @Override
    public synchronized List<Extent> extents(long offset, long length) throws IOException {
        BlockDevices.checkRange(this, offset, length);
        List<Extent> out = new ArrayList<>();
        long end = offset + length;
        long pos = offset;
        for (Map.Entry<Long, byte[]> e : chunks.subMap(offset / CHUNK, true, (end - 1) / CHUNK, true).entrySet()) {
            long cStart = Math.max(e.getKey() * CHUNK, offset);
            long cEnd = Math.min((e.getKey() + 1) * CHUNK, end);
            if (cStart > pos) {
                BlockDevices.appendMerged(out, new Extent(pos, cStart - pos, Allocation.UNALLOCATED));
            }
            BlockDevices.appendMerged(out, new Extent(cStart, cEnd - cStart, Allocation.DATA));
            pos = cEnd;
        }
        if (pos < end) {
            BlockDevices.appendMerged(out, new Extent(pos, end - pos, Allocation.UNALLOCATED));
        }
        return out;
    }

    @Override
    public synchronized void resize(long newSize) throws IOException {
        BlockDevices.checkWritable(this);
        if (newSize < 0) {
            throw ImageException.invalidArgument("negative size " + newSize);
        }
        if (newSize < size) {
            // Drop whole chunks past the end and zero the tail of the last one, so growing again reads zeroes.
            long lastIndex = newSize == 0 ? -1 : (newSize - 1) / CHUNK;
            chunks.tailMap(lastIndex, false).clear();
            byte[] last = chunks.get(lastIndex);
            if (last != null) {
                Arrays.fill(last, (int) (newSize - lastIndex * CHUNK), CHUNK, (byte) 0);
            }
        }
        size = newSize;
    }

    /** Bytes of storage in use; for tests of sparseness. */
    public synchronized long allocatedBytes() {
        return (long) chunks.size() * CHUNK;
    }

    @Override
    public void close() {
        // Nothing to release; contents stay readable for tests that inspect after close.
    }

    @Override
    public String toString() {
        return "memory device of " + size + " bytes";
    }
}
