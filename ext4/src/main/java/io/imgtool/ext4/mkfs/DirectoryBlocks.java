package io.imgtool.ext4.mkfs;

import io.imgtool.ext4.internal.DxHash;
import io.imgtool.ext4.ondisk.Checksums;
import io.imgtool.ext4.ondisk.DirEntry;
import io.imgtool.ext4.ondisk.DirTail;
import io.imgtool.ext4.ondisk.DxEntry;
import io.imgtool.ext4.ondisk.DxNode;
import io.imgtool.ext4.ondisk.DxRootInfo;
import io.imgtool.ext4.ondisk.Le;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The blocks of a new directory: linear when its entries fit one block (or the filesystem has no
 * dir_index), else hashed (htree): the root block with "." and "..", one level of interior index
 * nodes when the leaves outnumber the root's slots, and leaf blocks filled in hash order. Entries
 * whose hashes collide are never split across two leaves unless a run fills a leaf, in which case
 * the next leaf's index hash carries the continuation bit, as the kernel does. Every leaf ends in a
 * checksum tail and every index block in a dx tail under metadata_csum.
 */
final class DirectoryBlocks {

    /** One entry to store. */
    record Entry(byte[] name, long inode, int fileType) {
    }

    private final int bs;
    private final boolean csum;
    private final boolean filetype;
    private final int tail;

    DirectoryBlocks(int blockSize, boolean metadataCsum, boolean filetype) {
        this.bs = blockSize;
        this.csum = metadataCsum;
        this.filetype = filetype;
        this.tail = metadataCsum ? DirTail.SIZE : 0;
    }

    /** The result: blocks in logical order, and whether they form an htree. */
    record Built(List<byte[]> blocks, boolean indexed) {
    }

    private int usable() {
        return bs - tail;
    }

    /** Linear blocks needed for {@code entries} after "." and "..". */
    int linearBlocks(List<Entry> entries) {
        int blocks = 1;
        int used = DirEntry.minRecLen(1) + DirEntry.minRecLen(2);
        for (Entry e : entries) {
            int r = DirEntry.minRecLen(e.name.length);
            if (used + r > usable()) {
                blocks++;
                used = 0;
            }
            used += r;
        }
        return blocks;
    }

    /**
     * Builds the directory. {@code minBlocks} pads a linear directory with empty blocks (lost+found);
     * {@code hashVersion} and {@code seed} select the htree hash when one is built; {@code inodeSeed}
     * seeds the block checksums.
     */
    Built build(long self, long parent, List<Entry> entries, int minBlocks, boolean dirIndex, int hashVersion,
                int[] seed, Checksums sums, int inodeSeed, int maxLeaves) {
        int linear = linearBlocks(entries);
        if (dirIndex && linear > 1 && minBlocks <= 1) {
            Built b = hashed(self, parent, entries, hashVersion, seed, sums, inodeSeed, maxLeaves);
            if (b != null) {
                return b;
            }
        }
        return linear(self, parent, entries, Math.max(minBlocks, linear), sums, inodeSeed);
    }

    private Built linear(long self, long parent, List<Entry> entries, int nblocks, Checksums sums, int inodeSeed) {
        List<byte[]> blocks = new ArrayList<>();
        byte[] cur = new byte[bs];
        int off = put(cur, 0, self, ".".getBytes(), DirEntry.FT_DIR, DirEntry.minRecLen(1));
        int last = off;
        off = put(cur, off, parent, "..".getBytes(), DirEntry.FT_DIR, DirEntry.minRecLen(2));
        for (Entry e : entries) {
            int r = DirEntry.minRecLen(e.name.length);
            if (off + r > usable()) {
                finish(cur, last, sums, inodeSeed);
                blocks.add(cur);
                cur = new byte[bs];
                off = 0;
            }
            last = off;
            off = put(cur, off, e.inode, e.name, e.fileType, r);
        }
        finish(cur, last, sums, inodeSeed);
        blocks.add(cur);
        while (blocks.size() < nblocks) {
            byte[] empty = new byte[bs];
            Le.put16(empty, 4, DirEntry.encodeRecLen(usable(), bs));
            if (csum) {
                sums.setDirLeaf(inodeSeed, empty, bs);
            }
            blocks.add(empty);
        }
        return new Built(blocks, false);
    }

    private int put(byte[] b, int off, long ino, byte[] name, int type, int recLen) {
        Le.put32(b, off, ino);
        Le.put16(b, off + 4, DirEntry.encodeRecLen(recLen, bs));
        Le.put8(b, off + 6, name.length);
        Le.put8(b, off + 7, filetype ? type : 0);
        System.arraycopy(name, 0, b, off + DirEntry.HEADER, name.length);
        return off + recLen;
    }

    /** Stretches the last entry to the end of the usable space and adds the checksum tail. */
    private void finish(byte[] b, int lastOff, Checksums sums, int inodeSeed) {
        Le.put16(b, lastOff + 4, DirEntry.encodeRecLen(usable() - lastOff, bs));
        if (csum) {
            sums.setDirLeaf(inodeSeed, b, bs);
        }
    }

    private record Hashed(Entry e, long hash) {
    }

    private Built hashed(long self, long parent, List<Entry> entries, int hashVersion, int[] seed, Checksums sums,
                         int inodeSeed, int maxLeaves) {
        List<Hashed> hs = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            DxHash.Hash h = DxHash.hash(hashVersion, e.name, 0, e.name.length, seed);
            hs.add(new Hashed(e, h.major() & 0xFFFFFFFFL));
        }
        hs.sort(Comparator.comparingLong(Hashed::hash));
        // Fill leaves in hash order; {first index, index hash} per leaf.
        List<List<Hashed>> leaves = new ArrayList<>();
        List<Long> leafHash = new ArrayList<>();
        int i = 0;
        while (i < hs.size()) {
            int used = 0;
            int start = i;
            List<Hashed> leaf = new ArrayList<>();
            while (i < hs.size()) {
                int r = DirEntry.minRecLen(hs.get(i).e.name.length);
                if (used + r > usable()) {
                    break;
                }
                // Keep a collision run together unless it is the whole leaf.
                used += r;
                leaf.add(hs.get(i));
                i++;
            }
            if (i < hs.size() && i > start + 1 && hs.get(i).hash == hs.get(i - 1).hash) {
                // Back off to the start of the run of equal hashes, if that leaves something.
                int j = i;
                while (j > start + 1 && hs.get(j - 1).hash == hs.get(i).hash) {
                    j--;
                }
                if (j > start && hs.get(j - 1).hash != hs.get(i).hash) {
                    leaf = new ArrayList<>(leaf.subList(0, j - start));
                    i = j;
                }
            }
            long h = leaf.get(0).hash;
            if (start > 0 && hs.get(start - 1).hash == h) {
                h |= 1; // continuation: the previous leaf holds the same hash
            }
            leaves.add(leaf);
            leafHash.add(leaves.size() == 1 ? 0L : h);
        }
        int dxTail = csum ? 8 : 0;
        int rootLimit = (bs - DxNode.ROOT_COUNT_OFFSET - dxTail) / DxEntry.SIZE;
        int nodeLimit = (bs - DxNode.NODE_COUNT_OFFSET - dxTail) / DxEntry.SIZE;
        int nLeaves = leaves.size();
        if (nLeaves > maxLeaves) {
            return null;
        }
        int levels;
        int nodes;
        if (nLeaves <= rootLimit) {
            levels = 0;
            nodes = 0;
        } else {
            nodes = (nLeaves + nodeLimit - 1) / nodeLimit;
            if (nodes > rootLimit) {
                return null; // would need three levels (large_dir): the caller falls back to linear
            }
            levels = 1;
        }
        List<byte[]> blocks = new ArrayList<>();
        byte[] root = new byte[bs];
        put(root, 0, self, ".".getBytes(), DirEntry.FT_DIR, 12);
        put(root, 12, parent, "..".getBytes(), DirEntry.FT_DIR, bs - 12);
        new DxRootInfo(0, hashVersion, 8, levels, 0).writeTo(root);
        blocks.add(root);
        for (int n = 0; n < nodes; n++) {
            byte[] nb = new byte[bs];
            Le.put16(nb, 4, DirEntry.encodeRecLen(bs, bs));
            blocks.add(nb);
        }
        int firstLeaf = 1 + nodes;
        for (List<Hashed> leaf : leaves) {
            byte[] lb = new byte[bs];
            int off = 0;
            int last = 0;
            for (Hashed h : leaf) {
                last = off;
                off = put(lb, off, h.e.inode, h.e.name, h.e.fileType, DirEntry.minRecLen(h.e.name.length));
            }
            finish(lb, last, sums, inodeSeed);
            blocks.add(lb);
        }
        if (levels == 0) {
            List<DxEntry> es = new ArrayList<>();
            for (int l = 0; l < nLeaves; l++) {
                es.add(new DxEntry(leafHash.get(l), firstLeaf + l));
            }
            writeDx(root, true, rootLimit, es, sums, inodeSeed);
        } else {
            List<DxEntry> rootEntries = new ArrayList<>();
            for (int n = 0; n < nodes; n++) {
                List<DxEntry> es = new ArrayList<>();
                int from = n * nodeLimit;
                int to = Math.min(nLeaves, from + nodeLimit);
                for (int l = from; l < to; l++) {
                    es.add(new DxEntry(l == from ? 0 : leafHash.get(l), firstLeaf + l));
                }
                writeDx(blocks.get(1 + n), false, nodeLimit, es, sums, inodeSeed);
                rootEntries.add(new DxEntry(n == 0 ? 0 : leafHash.get(from), 1 + n));
            }
            writeDx(root, true, rootLimit, rootEntries, sums, inodeSeed);
        }
        return new Built(blocks, true);
    }

    private void writeDx(byte[] b, boolean root, int limit, List<DxEntry> es, Checksums sums, int inodeSeed) {
        DxNode node = new DxNode(root, root ? DxNode.ROOT_COUNT_OFFSET : DxNode.NODE_COUNT_OFFSET, limit, es.size(), es);
        node.writeTo(b);
        if (csum) {
            sums.setDxNode(inodeSeed, b, node);
        }
    }
}
