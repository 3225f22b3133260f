package io.imgtool.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A window {@code [start, start + length)} of another device, addressed from zero: a partition of a
 * disk. Partitions and filesystems get a slice and do no offset arithmetic of their own.
 *
 * <p>A slice does not own its parent unless created with {@link #owning}: closing it then closes the
 * parent too.
 */
public final class SliceDevice implements BlockDevice {

    private final BlockDevice parent;
    private final long start;
    private final long length;
    private final boolean ownsParent;

    private SliceDevice(BlockDevice parent, long start, long length, boolean ownsParent) throws ImageException {
        BlockDevices.checkRange(parent, start, length);
        this.parent = parent;
        this.start = start;
        this.length = length;
        this.ownsParent = ownsParent;
    }

    /** A slice that leaves its parent open when closed. */
    public static SliceDevice of(BlockDevice parent, long start, long length) throws ImageException {
        return new SliceDevice(parent, start, length, false);
    }

    /** A slice that closes its parent when closed. */
    public static SliceDevice owning(BlockDevice parent, long start, long length) throws ImageException {
        return new SliceDevice(parent, start, length, true);
    }

    public BlockDevice parent() {
        return parent;
    }

    /** Offset of this slice in its parent. */
    public long start() {
        return start;
    }

    @Override
    public long size() {
        return length;
    }

    @Override
    public boolean isWritable() {
        return parent.isWritable();
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        BlockDevices.checkRange(this, offset, dst.remaining());
        parent.read(dst, start + offset);
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        BlockDevices.checkRange(this, offset, src.remaining());
        parent.write(src, start + offset);
    }

    @Override
    public void flush() throws IOException {
        parent.flush();
    }

    @Override
    public void writeZeroes(long offset, long len) throws IOException {
        BlockDevices.checkRange(this, offset, len);
        parent.writeZeroes(start + offset, len);
    }

    @Override
    public void discard(long offset, long len) throws IOException {
        BlockDevices.checkRange(this, offset, len);
        parent.discard(start + offset, len);
    }

    @Override
    public List<Extent> extents(long offset, long len) throws IOException {
        BlockDevices.checkRange(this, offset, len);
        List<Extent> in = parent.extents(start + offset, len);
        List<Extent> out = new ArrayList<>(in.size());
        for (Extent e : in) {
            out.add(new Extent(e.offset() - start, e.length(), e.allocation()));
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        if (ownsParent) {
            parent.close();
        }
    }

    @Override
    public String toString() {
        return "[" + start + ", +" + length + ") of " + parent;
    }
}
