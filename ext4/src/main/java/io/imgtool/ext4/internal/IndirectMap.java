package io.imgtool.ext4.internal;

import io.imgtool.core.ImageFormatException;
import io.imgtool.ext4.ondisk.Inode;
import io.imgtool.ext4.ondisk.Le;
import java.io.IOException;
import java.util.function.LongConsumer;

/**
 * The ext2/ext3 block map: twelve direct pointers, then single, double and triple indirect blocks
 * of 32-bit pointers; a zero pointer is a hole. Contiguous pointers within one block are merged into
 * one run.
 */
final class IndirectMap implements BlockMap {

    private static final int DIRECT = 12;

    private final FsContext fs;
    private final long[] iblock = new long[15];
    private final long perBlock;
    private final String where;

    IndirectMap(FsContext fs, long ino, Inode inode) {
        this.fs = fs;
        for (int i = 0; i < 15; i++) {
            iblock[i] = inode.blockWord(i);
        }
        this.perBlock = fs.geo.blockSize / 4;
        this.where = "block map of inode " + ino;
    }

    private void checkPointer(long p, String what) throws ImageFormatException {
        if (p != 0 && (p < fs.geo.firstDataBlock || p >= fs.geo.blocksCount)) {
            throw new ImageFormatException(where, what, -1, p, "block pointer past the end of the filesystem ("
                    + fs.geo.blocksCount + " blocks)");
        }
    }

    /** A run read from {@code count} pointers at {@code ptrs[from..]} covering logical blocks from {@code logical}. */
    private Run scan(long[] ptrs, int from, int count, long logical, String what) throws ImageFormatException {
        long first = ptrs[from];
        checkPointer(first, what);
        int n = 1;
        if (first == 0) {
            while (from + n < count && ptrs[from + n] == 0) {
                n++;
            }
            return Run.hole(logical, n);
        }
        while (from + n < count && ptrs[from + n] == first + n) {
            n++;
        }
        return new Run(logical, first, n, Run.Kind.MAPPED);
    }

    private long[] pointers(long block, String what) throws IOException {
        checkPointer(block, what);
        byte[] b = fs.cache.get(block, where + ", " + what + " block " + block);
        long[] p = new long[(int) perBlock];
        for (int i = 0; i < p.length; i++) {
            p[i] = Le.u32(b, 4 * i);
        }
        return p;
    }

    @Override
    public Run find(long logical) throws IOException {
        if (logical < DIRECT) {
            return scan(iblock, (int) logical, DIRECT, logical, "i_block[" + logical + "]");
        }
        long l = logical - DIRECT;
        long span = perBlock;
        for (int level = 1; level <= 3; level++) {
            if (l < span) {
                return descend(iblock[DIRECT + level - 1], level, l, logical, span);
            }
            l -= span;
            span *= perBlock;
        }
        return Run.hole(logical, Run.UNBOUNDED);
    }

    /** Looks up offset {@code l} within the subtree of an indirect block of the given level. */
    private Run descend(long block, int level, long l, long logical, long span) throws IOException {
        String[] names = {"", "indirect", "double indirect", "triple indirect"};
        if (block == 0) {
            return Run.hole(logical, span - l);
        }
        long childSpan = span / perBlock;
        long[] p = pointers(block, names[level]);
        int idx = (int) (l / childSpan);
        if (level == 1) {
            return scan(p, idx, p.length, logical, names[level] + " entry " + idx);
        }
        long child = p[idx];
        checkPointer(child, names[level] + " entry " + idx);
        if (child == 0) {
            // Extend over following zero pointers: one hole run.
            int n = 1;
            while (idx + n < p.length && p[idx + n] == 0) {
                n++;
            }
            return Run.hole(logical, n * childSpan - (l % childSpan));
        }
        return descend(child, level - 1, l % childSpan, logical, childSpan);
    }

    @Override
    public void forEachMetadataBlock(LongConsumer out) throws IOException {
        for (int level = 1; level <= 3; level++) {
            walk(iblock[DIRECT + level - 1], level, out);
        }
    }

    private void walk(long block, int level, LongConsumer out) throws IOException {
        if (block == 0) {
            return;
        }
        out.accept(block);
        if (level == 1) {
            return;
        }
        for (long c : pointers(block, "indirect")) {
            walk(c, level - 1, out);
        }
    }
}
