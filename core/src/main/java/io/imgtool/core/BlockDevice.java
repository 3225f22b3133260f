package io.imgtool.core;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A fixed-size array of bytes addressed by offset: a raw file, a qcow2 image, a partition, memory.
 *
 * <p>The contract every layer of imgtool relies on:
 * <ul>
 *   <li>{@link #read} and {@link #write} are positional and transfer <em>all</em> remaining bytes of
 *       the buffer, or throw. A range that does not lie inside {@code [0, size())} is an
 *       {@link ImageException.Kind#OUT_OF_RANGE} error, never a short transfer.</li>
 *   <li>Concurrent {@code read}s from several threads are safe. Writes may be serialized by the
 *       implementation; callers that mix reads and writes of one range from different threads
 *       order them themselves.</li>
 *   <li>A device opened read-only throws {@link ImageException.Kind#READ_ONLY} from every mutator.</li>
 *   <li>After {@link #writeZeroes} and {@link #discard} the range reads as zeroes. {@code discard}
 *       additionally allows the device to release the storage (a hole, an unallocated cluster).</li>
 *   <li>{@link #extents} is the allocation map: what holds data, what is known to be zero, what
 *       is not allocated. Copies and compressors skip everything that is not {@code DATA}.</li>
 * </ul>
 */
public interface BlockDevice extends Closeable {

    /** Size in bytes. */
    long size();

    /** Whether mutators are allowed. */
    boolean isWritable();

    /** Reads {@code dst.remaining()} bytes at {@code offset}; on return {@code dst} has no remaining bytes. */
    void read(ByteBuffer dst, long offset) throws IOException;

    /** Writes {@code src.remaining()} bytes at {@code offset}; on return {@code src} has no remaining bytes. */
    void write(ByteBuffer src, long offset) throws IOException;

    /** Makes every completed write durable, metadata included. */
    void flush() throws IOException;

    /**
     * Makes {@code [offset, offset + length)} read as zeroes. Implementations should do this without
     * writing zero bytes where the format allows (zero clusters, holes, skipping ranges already zero).
     */
    default void writeZeroes(long offset, long length) throws IOException {
        BlockDevices.checkRange(this, offset, length);
        BlockDevices.checkWritable(this);
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(length, 1 << 20));
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(zeros.capacity(), length - done);
            zeros.clear().limit(n);
            write(zeros, offset + done);
            done += n;
        }
    }

    /**
     * Declares {@code [offset, offset + length)} unused: afterwards it reads as zeroes and the device
     * may free its storage. The default only zeroes it.
     */
    default void discard(long offset, long length) throws IOException {
        writeZeroes(offset, length);
    }

    /**
     * The allocation map of {@code [offset, offset + length)}: sorted, contiguous, non-empty extents
     * covering exactly that range, adjacent extents of one kind merged. The default knows nothing and
     * calls everything {@link Allocation#DATA}, which is always a safe answer.
     */
    default List<Extent> extents(long offset, long length) throws IOException {
        BlockDevices.checkRange(this, offset, length);
        return length == 0 ? List.of() : List.of(new Extent(offset, length, Allocation.DATA));
    }

    /** Convenience: reads {@code length} bytes at {@code offset} into a new array. */
    default byte[] readBytes(long offset, int length) throws IOException {
        byte[] b = new byte[length];
        read(ByteBuffer.wrap(b), offset);
        return b;
    }
}
