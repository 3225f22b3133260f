package io.imgtool.qcow2.internal;

import io.imgtool.core.ImageException;
import io.imgtool.core.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The refcount table (kept in memory, at most 8 MiB) and its blocks (through a {@link MetadataCache}),
 * with the cluster allocator on top.
 *
 * <p>Ordering rules that make a killed process leave at worst leaked clusters:
 * <ul>
 *   <li>increments reach the file before anything points at the cluster (callers flush this store
 *       before writing L2 tables or L1 entries);</li>
 *   <li>decrements are deferred ({@link #deferFree}) and applied only after the tables that stopped
 *       pointing at the cluster are on disk ({@link #applyDeferredFrees}); until then the cluster
 *       cannot be reused;</li>
 *   <li>a new refcount block is written before the table entry that points at it; a grown table is
 *       written before the header points at it, and the old one freed after.</li>
 * </ul>
 */
public final class Refcounts {

    private static final String TABLE = "qcow2 refcount table";

    private final Geometry g;
    private final HostFile file;
    private final MetadataCache blocks;
    private final HeaderUpdater headerUpdater;
    private long[] table;
    private long tableOffset;
    private int tableClusters;
    private long freeHint;
    /** Clusters (index, count) whose refcount drops once the referencing tables are on disk. */
    private final List<long[]> deferred = new ArrayList<>();
    private long deferredCount;

    /** Rewrites the header's refcount_table_offset and refcount_table_clusters. */
    public interface HeaderUpdater {
        void refcountTableMoved(long offset, int clusters) throws IOException;
    }

    public Refcounts(Geometry g, HostFile file, long tableOffset, int tableClusters, int cacheTables,
                     HeaderUpdater headerUpdater) throws IOException {
        this.g = g;
        this.file = file;
        this.headerUpdater = headerUpdater;
        this.tableOffset = tableOffset;
        this.tableClusters = tableClusters;
        this.table = readTable(g, file, tableOffset, tableClusters);
        this.blocks = new MetadataCache(g.clusterSize(), cacheTables, new MetadataCache.Store() {
            @Override
            public void load(long offset, ByteBuffer into) throws IOException {
                file.read(into, offset);
            }

            @Override
            public void store(long offset, ByteBuffer from) throws IOException {
                file.write(from, offset);
            }
        });
    }

    /** Reads and validates the refcount table. */
    public static long[] readTable(Geometry g, HostFile file, long offset, int clusters) throws IOException {
        int entries = (int) ((long) clusters * g.clusterSize() / 8);
        ByteBuffer b = ByteBuffer.allocate(entries * 8);
        file.read(b, offset);
        b.flip();
        long[] t = new long[entries];
        for (int i = 0; i < entries; i++) {
            long e = b.getLong();
            if ((e & 0x1ff) != 0 || (e & (g.clusterSize() - 1)) != 0) {
                throw new ImageFormatException(TABLE, "entry " + i, offset + i * 8L, "0x" + Long.toHexString(e),
                        "refcount block offset not aligned to a cluster");
            }
            if (e != 0 && (e < 0 || e > file.size() - g.clusterSize())) {
                throw new ImageFormatException(TABLE, "entry " + i, offset + i * 8L, e,
                        "refcount block lies outside the file (" + file.size() + " bytes)");
            }
            t[i] = e;
        }
        return t;
    }

    public long tableOffset() {
        return tableOffset;
    }

    public int tableClusters() {
        return tableClusters;
    }

    public long[] table() {
        return table;
    }

    /** The refcount of host cluster {@code cluster}. */
    public long get(long cluster) throws IOException {
        long bi = cluster >>> g.refblockBits();
        if (bi >= table.length || table[(int) bi] == 0) {
            return 0;
        }
        MetadataCache.Table t = blocks.get(table[(int) bi]);
        return RefcountBlock.get(t.buf(), g.refcountOrder(), (int) (cluster & ((1L << g.refblockBits()) - 1)));
    }

    /** Sets the refcount of a cluster, creating its refcount block (and growing the table) if needed. */
    public void set(long cluster, long value) throws IOException {
        MetadataCache.Table t = blockFor(cluster);
        RefcountBlock.set(t.buf(), g.refcountOrder(), (int) (cluster & ((1L << g.refblockBits()) - 1)), value);
        blocks.markDirty(t);
    }

    public void increment(long cluster) throws IOException {
        long v = get(cluster);
        if (v == g.maxRefcount()) {
            throw new ImageException(ImageException.Kind.OUT_OF_RANGE, "refcount of cluster " + cluster
                    + " would overflow " + g.refcountBits() + " bits");
        }
        set(cluster, v + 1);
    }

    private MetadataCache.Table blockFor(long cluster) throws IOException {
        long bi = cluster >>> g.refblockBits();
        if (bi >= table.length) {
            growTable(bi);
        }
        if (table[(int) bi] == 0) {
            createBlock((int) bi);
        }
        return blocks.get(table[(int) bi]);
    }

    /**
     * Creates the missing refcount block {@code bi}. Every cluster it would describe has refcount 0,
     * so the block takes the first of them and describes itself.
     */
    private void createBlock(int bi) throws IOException {
        long first = (long) bi << g.refblockBits();
        long off = first << g.clusterBits();
        MetadataCache.Table t = blocks.create(off);
        RefcountBlock.set(t.buf(), g.refcountOrder(), 0, 1);
        // Block before table entry: write the block now, then the table entry.
        file.write(t.buf().duplicate().clear(), off);
        t.dirty = false;
        table[bi] = off;
        ByteBuffer e = ByteBuffer.allocate(8).putLong(0, off);
        file.write(e, tableOffset + bi * 8L);
    }

    /**
     * Grows the refcount table so that it has an entry {@code neededIndex}. The new table and the
     * blocks describing it go past everything in use; the header switches to it; the old table is freed.
     */
    private void growTable(long neededIndex) throws IOException {
        int cs = g.clusterSize();
        long perBlock = 1L << g.refblockBits();
        long start = Math.max(highWater(), 1);
        long entries = Math.max(neededIndex + 1, (long) table.length * 2);
        long tc;
        long nb;
        long[] newBlocks;
        while (true) {
            tc = (entries * 8 + cs - 1) / cs;
            nb = 0;
            List<Long> need = new ArrayList<>();
            for (int iter = 0; iter < 64; iter++) {
                long end = start + tc + nb;
                need.clear();
                for (long bi = start / perBlock; bi <= (end - 1) / perBlock; bi++) {
                    if (bi >= table.length || table[(int) bi] == 0) {
                        need.add(bi);
                    }
                }
                if (need.size() == nb) {
                    break;
                }
                nb = need.size();
            }
            long maxIndex = (start + tc + nb - 1) / perBlock;
            if (maxIndex < entries) {
                newBlocks = need.stream().mapToLong(Long::longValue).toArray();
                break;
            }
            entries = maxIndex + 1;
        }
        if (tc * cs > Header.MAX_REFTABLE_BYTES) {
            throw new ImageException(ImageException.Kind.OUT_OF_RANGE,
                    "the refcount table would exceed 8 MiB (qemu's limit); use larger clusters");
        }
        long end = start + tc + nb;
        long[] newTable = new long[(int) (tc * cs / 8)];
        System.arraycopy(table, 0, newTable, 0, table.length);
        // New blocks at [start + tc, end): each describes the clusters of [start, end) in its range.
        for (int i = 0; i < newBlocks.length; i++) {
            long bi = newBlocks[i];
            long blockCluster = start + tc + i;
            ByteBuffer b = ByteBuffer.allocate(cs);
            for (long c = Math.max(start, bi * perBlock); c < Math.min(end, (bi + 1) * perBlock); c++) {
                RefcountBlock.set(b, g.refcountOrder(), (int) (c - bi * perBlock), 1);
            }
            file.write(b.flip().clear(), blockCluster << g.clusterBits());
            newTable[(int) bi] = blockCluster << g.clusterBits();
        }
        long[] oldTable = table;
        long oldOffset = tableOffset;
        int oldClusters = tableClusters;
        table = newTable;
        // Clusters of [start, end) inside blocks that already existed: count them there.
        for (long c = start; c < end; c++) {
            long bi = c / perBlock;
            if (bi < oldTable.length && oldTable[(int) bi] != 0) {
                set(c, 1);
            }
        }
        blocks.flush();
        ByteBuffer tb = ByteBuffer.allocate((int) (tc * cs));
        for (long e : newTable) {
            tb.putLong(e);
        }
        file.write(tb.flip(), start << g.clusterBits());
        file.sync();
        tableOffset = start << g.clusterBits();
        tableClusters = (int) tc;
        headerUpdater.refcountTableMoved(tableOffset, tableClusters);
        file.sync();
        for (long c = oldOffset >>> g.clusterBits(); c < (oldOffset >>> g.clusterBits()) + oldClusters; c++) {
            set(c, get(c) - 1);
        }
        freeHint = Math.min(freeHint, oldOffset >>> g.clusterBits());
    }

    /** One past the last cluster that may be in use: the file end, rounded up. */
    private long highWater() {
        return (file.size() + g.clusterSize() - 1) >>> g.clusterBits();
    }

    /**
     * Allocates {@code n} contiguous free clusters (refcount 0 → 1) and returns the host offset of the
     * first. The file is grown to cover them.
     */
    public long allocate(int n) throws IOException {
        long[] r = allocateRun(n, n);
        return r[0];
    }

    /**
     * Allocates between {@code min} and {@code max} contiguous clusters: the first free run inside the
     * file of at least {@code min} clusters (extended up to {@code max}), else {@code max} clusters past
     * the end of the file. Returns {host offset, count}.
     */
    public long[] allocateRun(int min, int max) throws IOException {
        long hw = highWater();
        long c = Math.max(freeHint, 1);
        boolean sawFree = false;
        while (c < hw) {
            if (get(c) != 0) {
                c++;
                continue;
            }
            blockFor(c); // may put a new refcount block at c itself
            if (get(c) != 0) {
                c++;
                continue;
            }
            if (!sawFree) {
                sawFree = true;
                freeHint = c;
            }
            long runStart = c;
            long run = 0;
            while (run < max && c < hw && get(c) == 0) {
                run++;
                c++;
            }
            if (run >= min) {
                // Every cluster of the run has an existing block (the run stays below the file end,
                // and blocks for ranges inside the file were created while scanning them).
                for (long i = runStart; i < runStart + run; i++) {
                    set(i, 1);
                }
                if (runStart == freeHint) {
                    freeHint = runStart + run;
                }
                return new long[] {runStart << g.clusterBits(), run};
            }
        }
        if (!sawFree) {
            freeHint = hw;
        }
        return new long[] {allocateAtEnd(max), max};
    }

    /**
     * Allocates {@code n} clusters at the end of the file. Refcount blocks the new clusters need go
     * right after them (so large runs are never split by blocks), written before their table entries.
     */
    private long allocateAtEnd(long n) throws IOException {
        long perBlock = 1L << g.refblockBits();
        while (true) {
            long start = Math.max(highWater(), 1);
            long nb = 0;
            List<Long> need = new ArrayList<>();
            for (int iter = 0; iter < 64; iter++) {
                long end = start + n + nb;
                need.clear();
                for (long bi = start / perBlock; bi <= (end - 1) / perBlock; bi++) {
                    if (bi >= table.length || table[(int) bi] == 0) {
                        need.add(bi);
                    }
                }
                if (need.size() == nb) {
                    break;
                }
                nb = need.size();
            }
            long end = start + n + nb;
            long maxIndex = (end - 1) / perBlock;
            if (maxIndex >= table.length) {
                growTable(maxIndex);
                continue; // the table moved to the end of the file: start again past it
            }
            file.grow(end << g.clusterBits());
            for (int i = 0; i < need.size(); i++) {
                long bi = need.get(i);
                long blockCluster = start + n + i;
                long off = blockCluster << g.clusterBits();
                MetadataCache.Table t = blocks.create(off);
                for (long c = Math.max(start, bi * perBlock); c < Math.min(end, (bi + 1) * perBlock); c++) {
                    RefcountBlock.set(t.buf(), g.refcountOrder(), (int) (c - bi * perBlock), 1);
                }
                file.write(t.buf().duplicate().clear(), off);
                t.dirty = false;
                table[(int) bi] = off;
                file.write(ByteBuffer.allocate(8).putLong(0, off), tableOffset + bi * 8L);
            }
            for (long c = start; c < end; c++) {
                long bi = c / perBlock;
                if (!need.contains(bi)) {
                    set(c, 1);
                }
            }
            return start << g.clusterBits();
        }
    }

    /** Takes one specific cluster if it is free; returns whether it was. */
    public boolean allocateAt(long cluster) throws IOException {
        if (get(cluster) != 0) {
            return false;
        }
        blockFor(cluster);
        if (get(cluster) != 0) {
            return false;
        }
        set(cluster, 1);
        file.grow((cluster + 1) << g.clusterBits());
        if (freeHint == cluster) {
            freeHint++;
        }
        return true;
    }

    /** Records that the clusters [cluster, cluster+count) lose one reference once tables are flushed. */
    public void deferFree(long cluster, long count) {
        deferred.add(new long[] {cluster, count});
        deferredCount += count;
    }

    public long deferredCount() {
        return deferredCount;
    }

    /** Applies deferred decrements; call only after the referencing tables are on disk. */
    public void applyDeferredFrees() throws IOException {
        for (long[] d : deferred) {
            for (long c = d[0]; c < d[0] + d[1]; c++) {
                long v = get(c);
                if (v > 0) {
                    set(c, v - 1);
                    if (v == 1) {
                        freeHint = Math.min(freeHint, c);
                    }
                }
            }
        }
        deferred.clear();
        deferredCount = 0;
    }

    public void flush() throws IOException {
        blocks.flush();
    }

    public boolean hasDirty() {
        return blocks.hasDirty();
    }

    /** Forgets every cached block (after someone else rewrote them, e.g. a repair). */
    public void reload() throws IOException {
        blocks.clear();
        table = readTable(g, file, tableOffset, tableClusters);
    }
}
