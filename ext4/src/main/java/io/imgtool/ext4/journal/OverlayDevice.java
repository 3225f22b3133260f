package io.imgtool.ext4.journal;

import io.imgtool.core.Allocation;
import io.imgtool.core.BlockDevice;
import io.imgtool.core.BlockDevices;
import io.imgtool.core.Extent;
import io.imgtool.core.ImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A read-only view of a filesystem device with replayed journal blocks laid over it: reading block
 * {@code b} returns the newest committed journal copy of {@code b} where there is one (restoring an
 * escaped magic number), else the device's own bytes. Only the locations of the copies are kept in
 * memory, never their contents.
 */
public final class OverlayDevice implements BlockDevice {

    private static final byte[] MAGIC = {(byte) 0xC0, 0x3B, 0x39, (byte) 0x98};

    private final BlockDevice base;
    private final int blockSize;
    /** fs block -> (journal copy's fs block << 1) | escaped. */
    private final TreeMap<Long, Long> copies;

    OverlayDevice(BlockDevice base, int blockSize, Map<Long, Long> copies) {
        this.base = base;
        this.blockSize = blockSize;
        this.copies = new TreeMap<>(copies);
    }

    /** Blocks this overlay replaces. */
    public int replacedBlocks() {
        return copies.size();
    }

    public BlockDevice base() {
        return base;
    }

    @Override
    public long size() {
        return base.size();
    }

    @Override
    public boolean isWritable() {
        return false;
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        BlockDevices.checkRange(this, offset, dst.remaining());
        long pos = offset;
        long end = offset + dst.remaining();
        while (pos < end) {
            long block = pos / blockSize;
            Map.Entry<Long, Long> next = copies.ceilingEntry(block);
            if (next == null || next.getKey() * blockSize >= end) {
                int n = (int) (end - pos);
                base.read(dst.slice(dst.position(), n), pos);
                dst.position(dst.position() + n);
                return;
            }
            long copyStart = next.getKey() * blockSize;
            if (copyStart > pos) {
                int n = (int) (copyStart - pos);
                base.read(dst.slice(dst.position(), n), pos);
                dst.position(dst.position() + n);
                pos = copyStart;
                continue;
            }
            // pos lies in a replaced block
            byte[] b = new byte[blockSize];
            long v = next.getValue();
            base.read(ByteBuffer.wrap(b), (v >>> 1) * blockSize);
            if ((v & 1) != 0) {
                System.arraycopy(MAGIC, 0, b, 0, 4);
            }
            int within = (int) (pos - copyStart);
            int n = (int) Math.min(blockSize - within, end - pos);
            dst.put(b, within, n);
            pos += n;
        }
    }

    /**
     * Writes every replayed block to {@code target} (the device the journal belongs to): recovery made
     * real. The caller flushes and then empties the journal.
     */
    public void writeBack(BlockDevice target) throws IOException {
        byte[] b = new byte[blockSize];
        for (Map.Entry<Long, Long> e : copies.entrySet()) {
            long v = e.getValue();
            base.read(ByteBuffer.wrap(b), (v >>> 1) * blockSize);
            if ((v & 1) != 0) {
                System.arraycopy(MAGIC, 0, b, 0, 4);
            }
            target.write(ByteBuffer.wrap(b), e.getKey() * blockSize);
        }
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        throw ImageException.readOnly("journal replay overlay");
    }

    @Override
    public void flush() {
        // nothing is ever written
    }

    @Override
    public List<Extent> extents(long offset, long length) throws IOException {
        List<Extent> in = base.extents(offset, length);
        List<Extent> out = new ArrayList<>();
        for (Extent e : in) {
            if (e.allocation() == Allocation.DATA) {
                BlockDevices.appendMerged(out, e);
                continue;
            }
            long pos = e.offset();
            long firstBlock = e.offset() / blockSize;
            long lastBlock = (e.end() - 1) / blockSize;
            for (Long b : copies.subMap(firstBlock, true, lastBlock, true).keySet()) {
                long s = Math.max(b * blockSize, e.offset());
                long t = Math.min((b + 1) * blockSize, e.end());
                if (s > pos) {
                    BlockDevices.appendMerged(out, new Extent(pos, s - pos, e.allocation()));
                }
                BlockDevices.appendMerged(out, new Extent(s, t - s, Allocation.DATA));
                pos = t;
            }
            if (pos < e.end()) {
                BlockDevices.appendMerged(out, new Extent(pos, e.end() - pos, e.allocation()));
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        // The base device belongs to whoever opened it.
    }

    @Override
    public String toString() {
        return base + " with " + copies.size() + " journal blocks replayed in memory";
    }
}
