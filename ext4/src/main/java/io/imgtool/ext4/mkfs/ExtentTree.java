package io.imgtool.ext4.mkfs;

import io.imgtool.ext4.ondisk.Checksums;
import io.imgtool.ext4.ondisk.ExtentHeader;
import io.imgtool.ext4.ondisk.ExtentIndex;
import io.imgtool.ext4.ondisk.ExtentLeaf;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the extent tree of a file whose blocks are known: up to four extents in i_block; more go to
 * leaf blocks under an index in i_block, and further index levels are added while more than four
 * nodes remain (any depth the kernel allows). Node blocks carry their checksum tail.
 */
final class ExtentTree {

    /** A run of blocks: {@code length} (1..32768) blocks from logical {@code logical} at physical {@code physical}. */
    record Run(long logical, long physical, int length) {
    }

    /** Allocates one block for a tree node. */
    interface NodeAllocator {
        long allocate() throws IOException;
    }

    /** Where a tree node block goes and what it holds. */
    record NodeBlock(long block, byte[] data) {
    }

    /** The built tree: i_block's 60 bytes and the node blocks to write. */
    record Built(byte[] iblock, List<NodeBlock> nodes) {
    }

    private ExtentTree() {
    }

    /** Appends a run to {@code runs}, merging with the previous run when contiguous and short enough. */
    static void append(List<Run> runs, long logical, long physical, long length) {
        long l = logical;
        long p = physical;
        long n = length;
        while (n > 0) {
            if (!runs.isEmpty()) {
                Run last = runs.get(runs.size() - 1);
                if (last.logical + last.length == l && last.physical + last.length == p
                        && last.length < ExtentLeaf.MAX_INIT_LEN) {
                    int add = (int) Math.min(n, ExtentLeaf.MAX_INIT_LEN - last.length);
                    runs.set(runs.size() - 1, new Run(last.logical, last.physical, last.length + add));
                    l += add;
                    p += add;
                    n -= add;
                    continue;
                }
            }
            int take = (int) Math.min(n, ExtentLeaf.MAX_INIT_LEN);
            runs.add(new Run(l, p, take));
            l += take;
            p += take;
            n -= take;
        }
    }

    /** An empty tree (a new empty file or a file of holes only). */
    static byte[] empty() {
        byte[] b = new byte[60];
        new ExtentHeader(ExtentHeader.MAGIC, 0, 4, 0, 0).writeTo(b, 0);
        return b;
    }

    static Built build(List<Run> runs, int blockSize, Checksums csum, int inodeSeed, NodeAllocator alloc)
            throws IOException {
        byte[] root = new byte[60];
        if (runs.size() <= 4) {
            new ExtentHeader(ExtentHeader.MAGIC, runs.size(), 4, 0, 0).writeTo(root, 0);
            for (int i = 0; i < runs.size(); i++) {
                Run r = runs.get(i);
                new ExtentLeaf(r.logical, r.length, r.physical, false).writeTo(root, 12 + 12 * i);
            }
            return new Built(root, List.of());
        }
        int perBlock = (blockSize - ExtentHeader.SIZE) / 12;
        List<NodeBlock> nodes = new ArrayList<>();
        // Level 0: leaves.
        List<long[]> level = new ArrayList<>(); // {first logical, block}
        for (int i = 0; i < runs.size(); i += perBlock) {
            int n = Math.min(perBlock, runs.size() - i);
            byte[] b = new byte[blockSize];
            ExtentHeader h = new ExtentHeader(ExtentHeader.MAGIC, n, perBlock, 0, 0);
            h.writeTo(b, 0);
            for (int j = 0; j < n; j++) {
                Run r = runs.get(i + j);
                new ExtentLeaf(r.logical, r.length, r.physical, false).writeTo(b, 12 + 12 * j);
            }
            long at = alloc.allocate();
            csum.setExtentBlock(inodeSeed, b, h);
            nodes.add(new NodeBlock(at, b));
            level.add(new long[] {runs.get(i).logical, at});
        }
        int depth = 1;
        while (level.size() > 4) {
            List<long[]> up = new ArrayList<>();
            for (int i = 0; i < level.size(); i += perBlock) {
                int n = Math.min(perBlock, level.size() - i);
                byte[] b = new byte[blockSize];
                ExtentHeader h = new ExtentHeader(ExtentHeader.MAGIC, n, perBlock, depth, 0);
                h.writeTo(b, 0);
                for (int j = 0; j < n; j++) {
                    long[] c = level.get(i + j);
                    new ExtentIndex(c[0], c[1], 0).writeTo(b, 12 + 12 * j);
                }
                long at = alloc.allocate();
                csum.setExtentBlock(inodeSeed, b, h);
                nodes.add(new NodeBlock(at, b));
                up.add(new long[] {level.get(i)[0], at});
            }
            level = up;
            depth++;
        }
        if (depth > ExtentHeader.MAX_DEPTH) {
            throw new IllegalStateException("extent tree deeper than " + ExtentHeader.MAX_DEPTH);
        }
        new ExtentHeader(ExtentHeader.MAGIC, level.size(), 4, depth, 0).writeTo(root, 0);
        for (int j = 0; j < level.size(); j++) {
            long[] c = level.get(j);
            new ExtentIndex(c[0], c[1], 0).writeTo(root, 12 + 12 * j);
        }
        return new Built(root, nodes);
    }

    /** Tree blocks a file of {@code extents} extents needs (for space planning). */
    static long nodeBlocks(long extents, int blockSize) {
        if (extents <= 4) {
            return 0;
        }
        long perBlock = (blockSize - ExtentHeader.SIZE) / 12;
        long total = 0;
        long n = extents;
        while (n > 4) {
            n = (n + perBlock - 1) / perBlock;
            total += n;
        }
        return total;
    }
}
