package io.imgtool.testdata;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.Extent;
import io.imgtool.core.ImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Wraps a device and fails (like a full disk or a dying drive) once a given number of mutating calls
 * has succeeded — e2fsprogs' {@code test_io} idea. Reads always pass through. Counts writes so a test
 * can first run an operation to learn how many writes it makes, then fail it after each of them.
 */
public final class FaultInjectingDevice implements BlockDevice {

    private final BlockDevice inner;
    private final long failAfter;
    private final AtomicLong mutations = new AtomicLong();

    /** @param failAfter how many mutating calls succeed before every further one fails; -1 never fails */
    public FaultInjectingDevice(BlockDevice inner, long failAfter) {
        this.inner = inner;
        this.failAfter = failAfter;
    }

    /** Mutating calls seen so far (successful or not). */
    public long mutations() {
        return mutations.get();
    }

    private void tick() throws IOException {
        long n = mutations.incrementAndGet();
        if (failAfter >= 0 && n > failAfter) {
            throw new ImageException(ImageException.Kind.IO, "injected fault: mutation " + n + " fails");
        }
    }

    @Override
    public long size() {
        return inner.size();
    }

    @Override
    public boolean isWritable() {
        return inner.isWritable();
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        inner.read(dst, offset);
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        tick();
        inner.write(src, offset);
    }

    @Override
    public void flush() throws IOException {
        tick();
        inner.flush();
    }

    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        tick();
        inner.writeZeroes(offset, length);
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        tick();
        inner.discard(offset, length);
    }

    @Override
    public List<Extent> extents(long offset, long length) throws IOException {
        return inner.extents(offset, length);
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
