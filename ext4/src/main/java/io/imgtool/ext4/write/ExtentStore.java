package io.imgtool.ext4.write;

import io.imgtool.core.ImageFormatException;
import io.imgtool.ext4.internal.FsContext;
import io.imgtool.ext4.ondisk.ExtentHeader;
import io.imgtool.ext4.ondisk.ExtentIndex;
import io.imgtool.ext4.ondisk.ExtentLeaf;
import io.imgtool.ext4.ondisk.Inode;
import io.imgtool.ext4.ondisk.Le;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Stores a {@link FileMap} as an extent tree. The tree is always written in its most compact form
 * (up to four extents in i_block, else full leaves and index nodes, each level no wider than it must
 * be), which is also the shape e2fsck's extent-tree optimisation check accepts: a tree that grows
 * gains depth, one that shrinks collapses back and frees its node blocks. Node blocks are reused in
 * order; a node whose bytes do not change is not rewritten, so appending to a file touches only the
 * last leaf and its parents.
 */
final class ExtentStore implements MappingStore {

    private final FsContext fs;
    private final Transaction tx;
    private final Allocator alloc;
    private final long ino;
    private final int seed;
    private final String where;
    private List<Long> nodes = new ArrayList<>();

    ExtentStore(FsContext fs, Transaction tx, Allocator alloc, long ino, Inode inode) {
        this.fs = fs;
        this.tx = tx;
        this.alloc = alloc;
        this.ino = ino;
        this.seed = fs.inodeSeed(ino, inode);
        this.where = "extent tree of inode " + ino;
    }

    private Inode current() throws IOException {
        return fs.inode(ino);
    }

    private int blockCapacity() {
        return (fs.geo.blockSize - ExtentHeader.SIZE) / ExtentLeaf.SIZE;
    }

    @Override
    public FileMap load() throws IOException {
        Inode inode = current();
        FileMap map = new FileMap(ExtentLeaf.MAX_INIT_LEN);
        List<Long> found = new ArrayList<>();
        byte[] root = inode.blockArea();
        ExtentHeader h = ExtentHeader.parse(root, 0);
        h.validate(4, -1, where + " (root in i_block)", fs.inodeOffset(ino) + Inode.BLOCK_OFFSET);
        walk(root, h, map, found, new long[] {-1});
        this.nodes = found;
        map.clean();
        return map;
    }

    private void walk(byte[] b, ExtentHeader h, FileMap map, List<Long> found, long[] prevEnd) throws IOException {
        for (int i = 0; i < h.entries(); i++) {
            int off = ExtentHeader.SIZE + ExtentLeaf.SIZE * i;
            if (h.depth() == 0) {
                ExtentLeaf e = ExtentLeaf.parse(b, off);
                if (e.length() == 0 || e.logicalBlock() < prevEnd[0] || e.startBlock() < fs.geo.firstDataBlock
                        || e.startBlock() + e.length() > fs.geo.blocksCount) {
                    throw new ImageFormatException(where, "extent", -1, e, "invalid or overlapping extent");
                }
                prevEnd[0] = e.logicalBlock() + e.length();
                map.load(new FileMap.Seg(e.logicalBlock(), e.length(), e.startBlock(), e.uninitialized()));
            } else {
                ExtentIndex x = ExtentIndex.parse(b, off);
                long child = x.leafBlock();
                if (child < fs.geo.firstDataBlock || child >= fs.geo.blocksCount || found.contains(child)) {
                    throw new ImageFormatException(where, "ei_leaf", -1, child, "bad child node");
                }
                found.add(child);
                String w = where + ", node at block " + child;
                byte[] cb = fs.cache.get(child, w);
                ExtentHeader ch = ExtentHeader.parse(cb, 0);
                ch.validate(blockCapacity(), h.depth() - 1, w, fs.blockOffset(child));
                if (!fs.cache.isDirty(child) && !fs.csums.verifyExtentBlock(seed, cb, ch)) {
                    throw new ImageFormatException(w, "checksum", fs.blockOffset(child), null,
                            "extent block checksum mismatch: refusing to change this file");
                }
                walk(cb, ch, map, found, prevEnd);
            }
        }
    }

    @Override
    public List<Long> nodeBlocks() {
        return List.copyOf(nodes);
    }

    /** One node to write: depth, entries as (key, target, length, unwritten). */
    private record Node(int depth, long[] keys, long[] targets, int[] lengths, boolean[] unwritten) {
    }

    @Override
    public void store(FileMap map, Inode inode) throws IOException {
        // Extents, split to the on-disk maximum lengths.
        List<long[]> ext = new ArrayList<>(); // {logical, length, physical, unwritten}
        for (FileMap.Seg s : map.segments()) {
            long max = s.unwritten() ? ExtentLeaf.MAX_UNINIT_LEN : ExtentLeaf.MAX_INIT_LEN;
            for (long done = 0; done < s.length(); done += max) {
                long n = Math.min(max, s.length() - done);
                ext.add(new long[] {s.logical() + done, n, s.physical() + done, s.unwritten() ? 1 : 0});
            }
        }
        int cap = blockCapacity();
        // Levels of block nodes, bottom up; each level's entries are (first logical, child index).
        List<List<Node>> levels = new ArrayList<>();
        int n = ext.size();
        List<long[]> entries = ext;
        int depth = 0;
        while (entries.size() > 4) {
            List<Node> level = new ArrayList<>();
            List<long[]> up = new ArrayList<>();
            for (int i = 0; i < entries.size(); i += cap) {
                int m = Math.min(cap, entries.size() - i);
                long[] keys = new long[m];
                long[] targets = new long[m];
                int[] lengths = depth == 0 ? new int[m] : null;
                boolean[] unw = depth == 0 ? new boolean[m] : null;
                for (int j = 0; j < m; j++) {
                    long[] e = entries.get(i + j);
                    keys[j] = e[0];
                    if (depth == 0) {
                        lengths[j] = (int) e[1];
                        targets[j] = e[2];
                        unw[j] = e[3] != 0;
                    } else {
                        targets[j] = e[1]; // index into the level below, resolved to a block later
                    }
                }
                up.add(new long[] {keys[0], level.size()});
                level.add(new Node(depth, keys, targets, lengths, unw));
            }
            levels.add(level);
            entries = up;
            depth++;
        }
        if (depth > ExtentHeader.MAX_DEPTH) {
            throw new ImageFormatException(where, -1, "more than " + n + " extents need a tree deeper than "
                    + ExtentHeader.MAX_DEPTH);
        }
        int needed = 0;
        for (List<Node> l : levels) {
            needed += l.size();
        }
        // Node blocks: reuse the old ones in order, allocate the rest, free the surplus.
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < Math.min(needed, nodes.size()); i++) {
            blocks.add(nodes.get(i));
        }
        boolean[] fresh = new boolean[needed];
        long goal = nodes.isEmpty() ? (ext.isEmpty() ? alloc.goalForInode(ino) : ext.get(0)[2]) : nodes.get(0);
        while (blocks.size() < needed) {
            long[] r = alloc.allocBlocks(goal, needed - blocks.size(), where);
            for (long b = r[0]; b < r[0] + r[1]; b++) {
                fresh[blocks.size()] = true;
                blocks.add(b);
            }
            goal = r[0] + r[1];
        }
        for (int i = needed; i < nodes.size(); i++) {
            tx.freeLater(nodes.get(i), 1);
        }
        int delta = needed - nodes.size();
        // Assign blocks level by level (leaves first) and write.
        int next = 0;
        long[] levelBlocks = null;
        for (List<Node> level : levels) {
            long[] mine = new long[level.size()];
            for (int i = 0; i < level.size(); i++) {
                Node node = level.get(i);
                long blk = blocks.get(next);
                boolean isNew = fresh[next];
                next++;
                mine[i] = blk;
                if (node.depth() > 0) {
                    for (int j = 0; j < node.targets().length; j++) {
                        node.targets()[j] = levelBlocks[(int) node.targets()[j]];
                    }
                }
                byte[] image = new byte[fs.geo.blockSize];
                encode(image, node, cap);
                fs.csums.setExtentBlock(seed, image, ExtentHeader.parse(image, 0));
                if (isNew) {
                    System.arraycopy(image, 0, tx.create(blk, MetaKind.OTHER), 0, image.length);
                } else {
                    byte[] cur = fs.cache.get(blk, where + ", node at block " + blk);
                    if (!Arrays.equals(cur, image)) {
                        System.arraycopy(image, 0, tx.modify(blk, MetaKind.OTHER, where), 0, image.length);
                    }
                }
            }
            levelBlocks = mine;
        }
        // The root in i_block.
        byte[] root = new byte[Inode.BLOCK_SIZE];
        if (levels.isEmpty()) {
            long[] keys = new long[n];
            long[] targets = new long[n];
            int[] lengths = new int[n];
            boolean[] unw = new boolean[n];
            for (int i = 0; i < n; i++) {
                long[] e = ext.get(i);
                keys[i] = e[0];
                lengths[i] = (int) e[1];
                targets[i] = e[2];
                unw[i] = e[3] != 0;
            }
            encode(root, new Node(0, keys, targets, lengths, unw), 4);
        } else {
            long[] keys = new long[entries.size()];
            long[] targets = new long[entries.size()];
            for (int i = 0; i < entries.size(); i++) {
                keys[i] = entries.get(i)[0];
                targets[i] = levelBlocks[(int) entries.get(i)[1]];
            }
            encode(root, new Node(depth, keys, targets, null, null), 4);
        }
        inode.setBlockArea(root);
        if (delta != 0) {
            long per = fs.geo.blockSize / 512;
            inode.setBlocks512(inode.blocks512(fs.hugeFile, fs.geo.blockSize) + delta * per, fs.hugeFile);
        }
        nodes = new ArrayList<>(blocks);
        map.clean();
    }

    private static void encode(byte[] b, Node node, int max) {
        int m = node.keys().length;
        new ExtentHeader(ExtentHeader.MAGIC, m, max, node.depth(), 0).writeTo(b, 0);
        for (int i = 0; i < m; i++) {
            int off = ExtentHeader.SIZE + ExtentLeaf.SIZE * i;
            if (node.depth() == 0) {
                new ExtentLeaf(node.keys()[i], node.lengths()[i], node.targets()[i], node.unwritten()[i]).writeTo(b, off);
            } else {
                new ExtentIndex(node.keys()[i], node.targets()[i], 0).writeTo(b, off);
            }
        }
    }

    /** An empty extent root for a new inode's i_block. */
    static byte[] emptyRoot() {
        byte[] root = new byte[Inode.BLOCK_SIZE];
        new ExtentHeader(ExtentHeader.MAGIC, 0, 4, 0, 0).writeTo(root, 0);
        return root;
    }

    @Override
    public String toString() {
        return where + " (" + Le.class.getSimpleName() + ")";
    }
}
