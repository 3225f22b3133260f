package io.imgtool.ext4.write;

import io.imgtool.core.ImageFormatException;
import io.imgtool.ext4.internal.FsContext;
import io.imgtool.ext4.ondisk.Inode;
import io.imgtool.ext4.ondisk.Le;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Stores a {@link FileMap} as the ext2/ext3 block map: twelve direct pointers in i_block, then the
 * single, double and triple indirect trees. An indirect block exists exactly where its subtree maps
 * something; blocks keep their place in the tree, and only the nodes whose range the change touched
 * are rebuilt, so writing a large file piece by piece stays linear.
 */
final class IndirectStore implements MappingStore {

    private static final int DIRECT = 12;

    private final FsContext fs;
    private final Transaction tx;
    private final Allocator alloc;
    private final long ino;
    private final long per;
    private final String where;
    /** Node (level, first logical block) -> block; level 1 holds data pointers. */
    private Map<Key, Long> nodes = new HashMap<>();

    private record Key(int level, long base) {
    }

    IndirectStore(FsContext fs, Transaction tx, Allocator alloc, long ino) {
        this.fs = fs;
        this.tx = tx;
        this.alloc = alloc;
        this.ino = ino;
        this.per = fs.geo.blockSize / 4;
        this.where = "block map of inode " + ino;
    }

    private long span(int level) {
        long s = 1;
        for (int i = 0; i < level; i++) {
            s *= per;
        }
        return s;
    }

    private long treeBase(int level) {
        long base = DIRECT;
        for (int l = 1; l < level; l++) {
            base += span(l);
        }
        return base;
    }

    /** Largest logical block + 1 the map can address. */
    long limit() {
        return treeBase(3) + span(3);
    }

    private void checkPtr(long p, String what) throws ImageFormatException {
        if (p != 0 && (p < fs.geo.firstDataBlock || p >= fs.geo.blocksCount)) {
            throw new ImageFormatException(where, what, -1, p, "block pointer outside the filesystem");
        }
    }

    @Override
    public FileMap load() throws IOException {
        Inode inode = fs.inode(ino);
        FileMap map = new FileMap(Long.MAX_VALUE);
        Map<Key, Long> found = new HashMap<>();
        long[] run = {-1, 0, 0}; // logical, length, physical of the run being merged
        for (int i = 0; i < DIRECT; i++) {
            long p = inode.blockWord(i);
            checkPtr(p, "i_block[" + i + "]");
            add(map, run, i, p);
        }
        for (int level = 1; level <= 3; level++) {
            long p = inode.blockWord(DIRECT + level - 1);
            checkPtr(p, "i_block[" + (DIRECT + level - 1) + "]");
            if (p != 0) {
                walk(p, level, treeBase(level), map, run, found);
            }
        }
        flush(map, run);
        nodes = found;
        map.clean();
        return map;
    }

    private void walk(long block, int level, long base, FileMap map, long[] run, Map<Key, Long> found)
            throws IOException {
        found.put(new Key(level, base), block);
        byte[] b = fs.cache.get(block, where + ", indirect block " + block);
        long child = span(level - 1);
        for (int i = 0; i < per; i++) {
            long p = Le.u32(b, 4 * i);
            checkPtr(p, "indirect entry " + i);
            if (level == 1) {
                add(map, run, base + i, p);
            } else if (p != 0) {
                walk(p, level - 1, base + i * child, map, run, found);
            }
        }
    }

    private static void add(FileMap map, long[] run, long logical, long p) {
        if (p == 0) {
            return;
        }
        if (run[0] >= 0 && run[0] + run[1] == logical && run[2] + run[1] == p) {
            run[1]++;
            return;
        }
        flush(map, run);
        run[0] = logical;
        run[1] = 1;
        run[2] = p;
    }

    private static void flush(FileMap map, long[] run) {
        if (run[0] >= 0) {
            map.load(new FileMap.Seg(run[0], run[1], run[2], false));
            run[0] = -1;
        }
    }

    @Override
    public List<Long> nodeBlocks() {
        return new ArrayList<>(nodes.values());
    }

    @Override
    public void store(FileMap map, Inode inode) throws IOException {
        for (FileMap.Seg s : map.segments()) {
            if (s.unwritten()) {
                throw new ImageFormatException(where, -1, "unwritten extents cannot be stored in a block map");
            }
            if (s.end() > limit()) {
                throw new ImageFormatException(where, -1, "logical block " + s.end() + " beyond the block map's reach");
            }
        }
        int before = nodes.size();
        for (int i = 0; i < DIRECT; i++) {
            FileMap.Seg s = map.find(i);
            inode.setBlockWord(i, s == null ? 0 : s.physical() + (i - s.logical()));
        }
        long from = map.isDirty() ? map.dirtyFrom() : Long.MAX_VALUE;
        long to = map.isDirty() ? map.dirtyTo() : Long.MIN_VALUE;
        for (int level = 1; level <= 3; level++) {
            long base = treeBase(level);
            long old = inode.blockWord(DIRECT + level - 1);
            long blk = build(map, level, base, from, to, old);
            inode.setBlockWord(DIRECT + level - 1, blk);
        }
        int delta = nodes.size() - before;
        if (delta != 0) {
            long perBlock = fs.geo.blockSize / 512;
            inode.setBlocks512(inode.blocks512(fs.hugeFile, fs.geo.blockSize) + delta * perBlock, fs.hugeFile);
        }
        map.clean();
    }

    private boolean anyMapped(FileMap map, long base, long span) {
        FileMap.Seg s = map.floor(base + span - 1);
        return s != null && s.end() > base;
    }

    /** Rebuilds the node (level, base) if it intersects [from, to); returns its block (0 when not needed). */
    private long build(FileMap map, int level, long base, long from, long to, long old) throws IOException {
        long span = span(level);
        Key key = new Key(level, base);
        Long existing = nodes.get(key);
        long cur = existing == null ? 0 : existing;
        if (base + span <= from || base >= to) {
            return cur; // untouched subtree
        }
        if (!anyMapped(map, base, span)) {
            if (cur != 0) {
                freeSubtree(level, base, cur);
            }
            return 0;
        }
        boolean fresh = false;
        if (cur == 0) {
            FileMap.Seg near = map.floor(base + span - 1);
            long goal = near != null ? near.physical() : alloc.goalForInode(ino);
            cur = alloc.allocBlocks(goal, 1, where)[0];
            nodes.put(key, cur);
            fresh = true;
        }
        long child = span(level - 1);
        byte[] image = new byte[fs.geo.blockSize];
        byte[] prev = fresh ? null : fs.cache.get(cur, where + ", indirect block " + cur);
        for (int i = 0; i < per; i++) {
            long lb = base + i * child;
            long p;
            if (level == 1) {
                FileMap.Seg s = map.find(lb);
                p = s == null ? 0 : s.physical() + (lb - s.logical());
            } else {
                long oldChild = prev == null ? 0 : Le.u32(prev, 4 * i);
                p = build(map, level - 1, lb, from, to, oldChild);
            }
            Le.put32(image, 4 * i, p);
        }
        if (fresh) {
            System.arraycopy(image, 0, tx.create(cur, MetaKind.OTHER), 0, image.length);
        } else if (!Arrays.equals(prev, image)) {
            System.arraycopy(image, 0, tx.modify(cur, MetaKind.OTHER, where), 0, image.length);
        }
        return cur;
    }

    private void freeSubtree(int level, long base, long block) throws IOException {
        if (level > 1) {
            byte[] b = fs.cache.get(block, where + ", indirect block " + block);
            long child = span(level - 1);
            for (int i = 0; i < per; i++) {
                long p = Le.u32(b, 4 * i);
                if (p != 0) {
                    freeSubtree(level - 1, base + i * child, p);
                }
            }
        }
        nodes.remove(new Key(level, base));
        tx.freeLater(block, 1);
    }
}
