package io.imgtool.qcow2.internal;

import java.util.Arrays;

/**
 * Sparse per-cluster counters for the checker: chunks of 64 Ki counters allocated on first use, so
 * memory follows the clusters actually referenced, not the file or disk size.
 */
public final class ClusterCounts {

    private static final int CHUNK_BITS = 16;
    private static final int CHUNK = 1 << CHUNK_BITS;
    private int[][] chunks = new int[16][];
    private long maxIndex = -1;

    public void increment(long cluster) {
        int ci = (int) (cluster >>> CHUNK_BITS);
        if (ci >= chunks.length) {
            chunks = Arrays.copyOf(chunks, Math.max(ci + 1, chunks.length * 2));
        }
        int[] c = chunks[ci];
        if (c == null) {
            c = chunks[ci] = new int[CHUNK];
        }
        int i = (int) (cluster & (CHUNK - 1));
        if (c[i] != Integer.MAX_VALUE) {
            c[i]++;
        }
        maxIndex = Math.max(maxIndex, cluster);
    }

    public int get(long cluster) {
        int ci = (int) (cluster >>> CHUNK_BITS);
        if (ci >= chunks.length || chunks[ci] == null) {
            return 0;
        }
        return chunks[ci][(int) (cluster & (CHUNK - 1))];
    }

    /** Highest cluster with a count, or -1. */
    public long maxIndex() {
        return maxIndex;
    }

    /** Next cluster at or after {@code from} with a non-zero count, or -1. */
    public long next(long from) {
        for (long c = Math.max(0, from); c <= maxIndex; ) {
            int ci = (int) (c >>> CHUNK_BITS);
            int[] chunk = chunks[ci];
            if (chunk == null) {
                c = (long) (ci + 1) << CHUNK_BITS;
                continue;
            }
            for (int i = (int) (c & (CHUNK - 1)); i < CHUNK; i++) {
                if (chunk[i] != 0) {
                    return ((long) ci << CHUNK_BITS) + i;
                }
            }
            c = (long) (ci + 1) << CHUNK_BITS;
        }
        return -1;
    }
}
