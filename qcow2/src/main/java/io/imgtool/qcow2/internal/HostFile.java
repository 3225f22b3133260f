package io.imgtool.qcow2.internal;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ResizableDevice;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The file under a qcow2 image. Reads past its end return zeroes (as qemu's do: the last compressed
 * cluster may end inside a sector the file does not reach); writes past its end grow it first.
 */
public final class HostFile {

    private final BlockDevice dev;
    private long size;

    public HostFile(BlockDevice dev) {
        this.dev = dev;
        this.size = dev.size();
    }

    public BlockDevice device() {
        return dev;
    }

    public long size() {
        return size;
    }

    public boolean isWritable() {
        return dev.isWritable();
    }

    public void read(ByteBuffer dst, long offset) throws IOException {
        int want = dst.remaining();
        long avail = Math.max(0, Math.min(want, size - offset));
        if (avail > 0) {
            int lim = dst.limit();
            dst.limit(dst.position() + (int) avail);
            dev.read(dst, offset);
            dst.limit(lim);
        }
        while (dst.hasRemaining()) {
            dst.put((byte) 0);
        }
    }

    public void write(ByteBuffer src, long offset) throws IOException {
        long end = Math.addExact(offset, src.remaining());
        if (end > size) {
            grow(end);
        }
        dev.write(src, offset);
    }

    /** Makes the file at least {@code end} bytes long. */
    public void grow(long end) throws IOException {
        if (end > size) {
            ((ResizableDevice) dev).resize(end);
            size = end;
        }
    }

    public void sync() throws IOException {
        dev.flush();
    }

    public void close() throws IOException {
        dev.close();
    }
}
