package io.imgtool.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/** Static helpers shared by {@link BlockDevice} implementations and users. */
public final class BlockDevices {

    private BlockDevices() {
    }

    /** Throws {@link ImageException.Kind#OUT_OF_RANGE} unless {@code [offset, offset+length)} lies in the device. */
    public static void checkRange(BlockDevice dev, long offset, long length) throws ImageException {
        if (offset < 0 || length < 0 || offset > dev.size() || length > dev.size() - offset) {
            throw ImageException.outOfRange(dev, offset, length);
        }
    }

    /** Throws {@link ImageException.Kind#READ_ONLY} if the device is not writable. */
    public static void checkWritable(BlockDevice dev) throws ImageException {
        if (!dev.isWritable()) {
            throw ImageException.readOnly(dev.toString());
        }
    }

    /**
     * Appends {@code e} to {@code out}, merging it into the last extent when they touch and are of
     * the same kind. Helps implementations return the merged map {@link BlockDevice#extents} promises.
     */
    public static void appendMerged(List<Extent> out, Extent e) {
        if (!out.isEmpty()) {
            Extent last = out.get(out.size() - 1);
            if (last.end() == e.offset() && last.allocation() == e.allocation()) {
                out.set(out.size() - 1, new Extent(last.offset(), last.length() + e.length(), e.allocation()));
                return;
            }
        }
        out.add(e);
    }

    /** Whether every remaining byte of {@code buf} is zero; does not move its position. */
    public static boolean isZero(ByteBuffer buf) {
        int pos = buf.position();
        int lim = buf.limit();
        int i = pos;
        // ByteBuffer.mismatch is vectorised by the JIT; compare in chunks against a shared zero page.
        while (i < lim) {
            int n = Math.min(ZERO_PAGE.capacity(), lim - i);
            if (buf.slice(i, n).mismatch(ZERO_PAGE.slice(0, n)) >= 0) {
                return false;
            }
            i += n;
        }
        return true;
    }

    /** Whether {@code b[off, off+len)} is all zero. */
    public static boolean isZero(byte[] b, int off, int len) {
        return isZero(ByteBuffer.wrap(b, off, len));
    }

    private static final ByteBuffer ZERO_PAGE = ByteBuffer.allocateDirect(64 * 1024).asReadOnlyBuffer();

    /**
     * Copies {@code length} bytes from {@code src} at {@code srcOffset} to {@code dst} at
     * {@code dstOffset}, skipping what the source's allocation map calls zero (the destination is
     * expected to read as zero there already, e.g. freshly created). Returns the bytes copied.
     */
    public static long copySparse(BlockDevice src, long srcOffset, BlockDevice dst, long dstOffset, long length)
            throws IOException {
        checkRange(src, srcOffset, length);
        checkRange(dst, dstOffset, length);
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        long copied = 0;
        for (Extent e : src.extents(srcOffset, length)) {
            if (e.allocation().readsAsZero()) {
                continue;
            }
            long done = 0;
            while (done < e.length()) {
                int n = (int) Math.min(buf.capacity(), e.length() - done);
                buf.clear().limit(n);
                src.read(buf, e.offset() + done);
                buf.flip();
                if (!isZero(buf)) {
                    dst.write(buf, dstOffset + (e.offset() - srcOffset) + done);
                }
                done += n;
            }
            copied += e.length();
        }
        return copied;
    }
}
