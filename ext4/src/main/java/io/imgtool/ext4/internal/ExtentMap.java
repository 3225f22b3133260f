package io.imgtool.ext4.internal;

import io.imgtool.core.ImageFormatException;
import io.imgtool.ext4.ondisk.ExtentHeader;
import io.imgtool.ext4.ondisk.Inode;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.function.LongConsumer;

/**
 * An extent tree: the root in i_block, interior and leaf nodes in blocks. Each lookup descends from
 * the root; nodes are parsed, validated and checksummed once and cached with their block. A child's
 * depth must be exactly its parent's minus one, so a corrupt tree cannot loop.
 */
final class ExtentMap implements BlockMap {

    /** Extents address 32-bit logical block numbers; everything above is a hole. */
    private static final long MAX_LOGICAL = 1L << 32;

    private final FsContext fs;
    private final long ino;
    private final int inodeSeed;
    private final ExtentNode root;
    private final String where;

    ExtentMap(FsContext fs, long ino, Inode inode) throws ImageFormatException {
        this.fs = fs;
        this.ino = ino;
        this.inodeSeed = fs.inodeSeed(ino, inode);
        this.where = "extent tree of inode " + ino;
        this.root = ExtentNode.parse(inode.blockArea(), 0, 4, -1, fs.geo.blocksCount, fs.geo.firstDataBlock,
                where + " (root in i_block)", fs.inodeOffset(ino) + Inode.BLOCK_OFFSET);
    }

    private ExtentNode child(long block, int expectedDepth) throws IOException {
        String w = where + ", node at block " + block;
        BlockCache.Entry e = fs.cache.entry(block, w);
        Object p = e.parsed();
        if (p instanceof ExtentNode n && n.depth == expectedDepth) {
            return n;
        }
        byte[] b = e.data();
        long devOff = fs.blockOffset(block);
        int capacity = (fs.geo.blockSize - ExtentHeader.SIZE) / 12;
        ExtentNode n = ExtentNode.parse(b, 0, capacity, expectedDepth, fs.geo.blocksCount, fs.geo.firstDataBlock, w, devOff);
        if (!e.verified()) {
            ExtentHeader h = ExtentHeader.parse(b, 0);
            if (!fs.csums.verifyExtentBlock(inodeSeed, b, h)) {
                fs.checksumMismatch(w, devOff, String.format("extent block checksum 0x%08x, computed 0x%08x",
                        h.tailOffset() + 4 <= b.length ? io.imgtool.ext4.ondisk.Le.u32(b, h.tailOffset()) : -1,
                        fs.csums.extentBlock(inodeSeed, b, h)));
            }
            e.markVerified();
        }
        e.setParsed(n);
        return n;
    }

    @Override
    public Run find(long logical) throws IOException {
        if (logical >= MAX_LOGICAL) {
            return Run.hole(logical, Run.UNBOUNDED);
        }
        ExtentNode node = root;
        long upper = MAX_LOGICAL; // first logical block not covered by the current subtree
        for (int guard = 0; guard <= ExtentHeader.MAX_DEPTH + 1; guard++) {
            int i = node.floor(logical);
            if (node.depth == 0) {
                if (i >= 0) {
                    long start = node.keys[i];
                    long end = start + node.lengths[i];
                    if (logical < end) {
                        long phys = node.targets[i] + (logical - start);
                        return new Run(logical, phys, end - logical,
                                node.unwritten[i] ? Run.Kind.UNWRITTEN : Run.Kind.MAPPED);
                    }
                }
                long next = i + 1 < node.size() ? node.keys[i + 1] : upper;
                return Run.hole(logical, Math.max(1, Math.min(next, upper) - logical));
            }
            if (i < 0) {
                long next = node.size() > 0 ? node.keys[0] : upper;
                return Run.hole(logical, Math.max(1, Math.min(next, upper) - logical));
            }
            if (i + 1 < node.size()) {
                upper = Math.min(upper, node.keys[i + 1]);
            }
            node = child(node.targets[i], node.depth - 1);
        }
        throw new ImageFormatException(where, -1, "tree deeper than " + ExtentHeader.MAX_DEPTH);
    }

    @Override
    public void forEachMetadataBlock(LongConsumer out) throws IOException {
        ArrayDeque<ExtentNode> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            ExtentNode n = todo.pop();
            if (n.depth == 0) {
                continue;
            }
            for (int i = 0; i < n.size(); i++) {
                out.accept(n.targets[i]);
                todo.push(child(n.targets[i], n.depth - 1));
            }
        }
    }

    @Override
    public String toString() {
        return where + " (inode " + ino + ")";
    }
}
