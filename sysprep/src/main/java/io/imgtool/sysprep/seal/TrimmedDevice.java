package io.imgtool.sysprep.seal;

import io.imgtool.core.Allocation;
import io.imgtool.core.BlockDevice;
import io.imgtool.core.BlockDevices;
import io.imgtool.core.Extent;
import io.imgtool.core.ImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A read-only view of a disk in which some ranges — free space of its filesystems, space outside
 * its partitions — read as zeroes and are reported {@link Allocation#UNALLOCATED} by
 * {@link #extents}. Copies, compressors and checksums over the view skip those ranges without
 * reading them, and the source is never written: this is how the seal pipeline drops free space
 * from its output without writing zeroes first.
 */
public final class TrimmedDevice implements BlockDevice {

    private final BlockDevice source;
    private final long[] starts;
    private final long[] ends;

    /**
     * @param source the disk (not closed by this view)
     * @param dropped the ranges to drop, in any order; they may overlap or touch
     */
    public TrimmedDevice(BlockDevice source, List<Extent> dropped) throws ImageException {
        this.source = source;
        List<Extent> merged = DiskSpace.merge(dropped);
        starts = new long[merged.size()];
        ends = new long[merged.size()];
        for (int i = 0; i < merged.size(); i++) {
            Extent e = merged.get(i);
            if (e.end() > source.size()) {
                throw new ImageException(ImageException.Kind.OUT_OF_RANGE, "dropped range " + e.offset() + "+"
                        + e.length() + " lies beyond the disk of " + source.size() + " bytes");
            }
            starts[i] = e.offset();
            ends[i] = e.end();
        }
    }

    /** The dropped ranges, merged and sorted. */
    public List<Extent> dropped() {
        List<Extent> out = new ArrayList<>(starts.length);
        for (int i = 0; i < starts.length; i++) {
            out.add(new Extent(starts[i], ends[i] - starts[i], Allocation.UNALLOCATED));
        }
        return out;
    }

    /** Bytes of the source that hold data ({@code DATA} extents) and lie in dropped ranges. */
    public long droppedData() throws IOException {
        long n = 0;
        for (Extent e : source.extents(0, source.size())) {
            if (e.allocation() == Allocation.DATA) {
                n += overlap(e.offset(), e.end());
            }
        }
        return n;
    }

    private long overlap(long from, long to) {
        long n = 0;
        for (int i = first(from); i < starts.length && starts[i] < to; i++) {
            n += Math.min(to, ends[i]) - Math.max(from, starts[i]);
        }
        return n;
    }

    /** Index of the first dropped range that ends after {@code offset}. */
    private int first(long offset) {
        int lo = 0;
        int hi = starts.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ends[mid] <= offset) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    @Override
    public long size() {
        return source.size();
    }

    @Override
    public boolean isWritable() {
        return false;
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        BlockDevices.checkRange(this, offset, dst.remaining());
        long end = offset + dst.remaining();
        int base = dst.position();
        long pos = offset;
        for (int i = first(offset); pos < end; i++) {
            long dropFrom = i < starts.length ? Math.max(starts[i], offset) : end;
            if (dropFrom >= end) {
                dropFrom = end;
            }
            if (dropFrom > pos) {
                ByteBuffer part = dst.slice(base + (int) (pos - offset), (int) (dropFrom - pos));
                source.read(part, pos);
            }
            if (dropFrom >= end) {
                break;
            }
            long dropTo = Math.min(ends[i], end);
            fillZero(dst, base + (int) (dropFrom - offset), (int) (dropTo - dropFrom));
            pos = dropTo;
        }
        dst.position(dst.limit());
    }

    private static final byte[] ZEROS = new byte[64 * 1024];

    private static void fillZero(ByteBuffer b, int at, int len) {
        ByteBuffer d = b.duplicate();
        d.position(at);
        while (len > 0) {
            int n = Math.min(len, ZEROS.length);
            d.put(ZEROS, 0, n);
            len -= n;
        }
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        throw ImageException.readOnly("trimmed view of a disk");
    }

    @Override
    public void flush() {
    }

    @Override
    public List<Extent> extents(long offset, long length) throws IOException {
        BlockDevices.checkRange(this, offset, length);
        List<Extent> out = new ArrayList<>();
        for (Extent e : source.extents(offset, length)) {
            long pos = e.offset();
            for (int i = first(pos); pos < e.end(); i++) {
                long dropFrom = i < starts.length ? Math.max(starts[i], pos) : e.end();
                if (dropFrom > e.end()) {
                    dropFrom = e.end();
                }
                if (dropFrom > pos) {
                    BlockDevices.appendMerged(out, new Extent(pos, dropFrom - pos, e.allocation()));
                }
                if (dropFrom >= e.end()) {
                    break;
                }
                long dropTo = Math.min(ends[i], e.end());
                BlockDevices.appendMerged(out, new Extent(dropFrom, dropTo - dropFrom, Allocation.UNALLOCATED));
                pos = dropTo;
            }
        }
        return out;
    }

    @Override
    public void close() {
        // the source belongs to the caller
    }

    @Override
    public String toString() {
        return "trimmed(" + source + ", " + starts.length + " dropped ranges)";
    }
}
