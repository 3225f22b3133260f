package io.imgtool.ext4.internal;

import io.imgtool.core.ImageFormatException;
import io.imgtool.ext4.ondisk.ExtentHeader;
import io.imgtool.ext4.ondisk.ExtentIndex;
import io.imgtool.ext4.ondisk.ExtentLeaf;

/**
 * A parsed and validated extent tree node: for an index node the keys and child blocks, for a leaf
 * the extents. Entries are strictly ordered and leaves do not overlap; physical ranges lie inside
 * the filesystem.
 */
final class ExtentNode {

    final int depth;
    final long[] keys;       // logical start of each entry
    final long[] targets;    // child block (index) or first physical block (leaf)
    final int[] lengths;     // leaf only
    final boolean[] unwritten;

    private ExtentNode(int depth, int n) {
        this.depth = depth;
        this.keys = new long[n];
        this.targets = new long[n];
        this.lengths = depth == 0 ? new int[n] : null;
        this.unwritten = depth == 0 ? new boolean[n] : null;
    }

    /** Parses the node at {@code off} of {@code b} (i_block or a block) with room for {@code capacity} entries. */
    static ExtentNode parse(byte[] b, int off, int capacity, int expectedDepth, long blocksCount, long firstDataBlock,
                            String where, long devOffset) throws ImageFormatException {
        ExtentHeader h = ExtentHeader.parse(b, off);
        h.validate(capacity, expectedDepth, where, devOffset);
        ExtentNode n = new ExtentNode(h.depth(), h.entries());
        long prevEnd = -1;
        for (int i = 0; i < h.entries(); i++) {
            int eo = off + ExtentHeader.SIZE + 12 * i;
            long at = devOffset < 0 ? -1 : devOffset + ExtentHeader.SIZE + 12L * i;
            if (h.depth() == 0) {
                ExtentLeaf e = ExtentLeaf.parse(b, eo);
                if (e.length() == 0) {
                    throw new ImageFormatException(where, "ee_len", at, 0, "zero-length extent");
                }
                if (e.logicalBlock() < prevEnd) {
                    throw new ImageFormatException(where, "ee_block", at, e.logicalBlock(),
                            "extents out of order or overlapping");
                }
                if (e.startBlock() < firstDataBlock || e.startBlock() + e.length() > blocksCount) {
                    throw new ImageFormatException(where, "ee_start", at, e.startBlock(),
                            "extent of " + e.length() + " blocks past the end of the filesystem (" + blocksCount + " blocks)");
                }
                if (e.logicalBlock() + e.length() > 1L << 32) {
                    throw new ImageFormatException(where, "ee_block", at, e.logicalBlock(), "beyond 2^32 logical blocks");
                }
                n.keys[i] = e.logicalBlock();
                n.targets[i] = e.startBlock();
                n.lengths[i] = e.length();
                n.unwritten[i] = e.uninitialized();
                prevEnd = e.logicalBlock() + e.length();
            } else {
                ExtentIndex x = ExtentIndex.parse(b, eo);
                if (x.logicalBlock() <= prevEnd && i > 0) {
                    throw new ImageFormatException(where, "ei_block", at, x.logicalBlock(), "index entries out of order");
                }
                if (x.leafBlock() < firstDataBlock || x.leafBlock() >= blocksCount) {
                    throw new ImageFormatException(where, "ei_leaf", at, x.leafBlock(),
                            "child node past the end of the filesystem");
                }
                n.keys[i] = x.logicalBlock();
                n.targets[i] = x.leafBlock();
                prevEnd = x.logicalBlock();
            }
        }
        return n;
    }

    int size() {
        return keys.length;
    }

    /** Index of the last entry whose key is {@code <= logical}, or -1. */
    int floor(long logical) {
        int lo = 0;
        int hi = keys.length - 1;
        int ans = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (keys[mid] <= logical) {
                ans = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return ans;
    }
}
