package io.imgtool.qcow2.internal;

import io.imgtool.core.ImageException;
import io.imgtool.core.ImageFormatException;
import io.imgtool.core.UnsupportedFeatureException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;

/**
 * The active L1 table (in memory, at most 32 MiB) and the L2 tables (through a bounded
 * {@link MetadataCache}): guest-to-host lookups and entry updates.
 *
 * <p>Write ordering: a dirty L2 table is written only after the refcount blocks (and data) it
 * depends on ({@link #flushTables} syncs the refcounts first); L1 entries are written only after
 * their L2 tables ({@link #flushL1}).
 */
public final class L2Tables {

    private static final String L1 = "qcow2 L1 table";

    private final Geometry g;
    private final HostFile file;
    private final Refcounts refcounts;
    private final MetadataCache cache;
    private long[] l1;
    private long l1Offset;
    private final BitSet dirtyL1 = new BitSet();

    public L2Tables(Geometry g, HostFile file, Refcounts refcounts, long l1Offset, int l1Size, int cacheTables)
            throws IOException {
        this.g = g;
        this.file = file;
        this.refcounts = refcounts;
        this.l1Offset = l1Offset;
        this.l1 = readL1(g, file, l1Offset, l1Size, L1);
        this.cache = new MetadataCache(g.clusterSize(), cacheTables, new MetadataCache.Store() {
            @Override
            public void load(long offset, ByteBuffer into) throws IOException {
                file.read(into, offset);
            }

            @Override
            public void store(long offset, ByteBuffer from) throws IOException {
                // An L2 table may point at freshly allocated clusters: their refcounts go first.
                if (refcounts != null && refcounts.hasDirty()) {
                    refcounts.flush();
                    file.sync();
                }
                file.write(from, offset);
            }
        });
    }

    /** Reads and validates an L1 table (active or a snapshot's). */
    public static long[] readL1(Geometry g, HostFile file, long offset, int size, String struct) throws IOException {
        long[] t = new long[size];
        if (size == 0) {
            return t;
        }
        ByteBuffer b = ByteBuffer.allocate(size * 8);
        file.read(b, offset);
        b.flip();
        for (int i = 0; i < size; i++) {
            long e = b.getLong();
            L2Entry.validateL1(g, e, offset + i * 8L, file.size(), struct);
            t[i] = e;
        }
        return t;
    }

    public long[] l1() {
        return l1;
    }

    public long l1Offset() {
        return l1Offset;
    }

    /** The L2 table covering guest cluster {@code ci}, or null when its L1 entry is empty. */
    private MetadataCache.Table table(long ci) throws IOException {
        long l1i = ci >>> g.l2Bits();
        if (l1i >= l1.length) {
            return null;
        }
        long off = L2Entry.hostOffset(l1[(int) l1i]);
        return off == 0 ? null : cache.get(off);
    }

    private int index(long ci) {
        return (int) (ci & (g.l2Entries() - 1)) * g.l2EntrySize();
    }

    /** Raw L2 entry of guest cluster {@code ci} (0 when unallocated). */
    public long entry(long ci) throws IOException {
        MetadataCache.Table t = table(ci);
        return t == null ? 0 : t.buf().getLong(index(ci));
    }

    /** Extended L2 subcluster bitmap of {@code ci} (0 without extended L2 entries or when unallocated). */
    public long bitmap(long ci) throws IOException {
        if (!g.extendedL2()) {
            return 0;
        }
        MetadataCache.Table t = table(ci);
        return t == null ? 0 : t.buf().getLong(index(ci) + 8);
    }

    /**
     * The run of guest bytes from {@code offset} (at most {@code maxLen}) that one kind of mapping
     * covers. Validates every entry it touches.
     */
    public ClusterMapping.Run lookup(long offset, long maxLen) throws IOException {
        int cb = g.clusterBits();
        long ci = offset >>> cb;
        long l1i = ci >>> g.l2Bits();
        long l2End = (l1i + 1) * g.bytesPerL1Entry();
        long limit = Math.min(offset + maxLen, l2End);
        MetadataCache.Table t = table(ci);
        if (t == null) {
            return new ClusterMapping.Run(offset, limit - offset, ClusterMapping.UNALLOCATED);
        }
        ByteBuffer b = t.buf();
        long pos = offset;
        ClusterMapping first = null;
        long expectHost = -1;
        while (pos < limit) {
            long c = pos >>> cb;
            int idx = index(c);
            long e = b.getLong(idx);
            long at = t.offset() + idx;
            long unitEnd;
            ClusterMapping m;
            long host = -1;
            if (L2Entry.isCompressed(e)) {
                L2Entry.validateCompressed(g, e, at, file.size());
                if (g.extendedL2() && b.getLong(idx + 8) != 0) {
                    throw new ImageFormatException("qcow2 L2 table", "subcluster bitmap", at + 8,
                            "0x" + Long.toHexString(b.getLong(idx + 8)), "must be 0 for a compressed cluster");
                }
                if (first != null) {
                    break;
                }
                long cEnd = Math.min(limit, (c + 1) << cb);
                return new ClusterMapping.Run(offset, cEnd - offset, new ClusterMapping.Compressed(
                        L2Entry.compressedOffset(g, e), (int) L2Entry.compressedSize(g, e)));
            }
            L2Entry.validateStandard(g, e, at, file.size());
            long hostCluster = L2Entry.hostOffset(e);
            if (!g.extendedL2()) {
                unitEnd = (c + 1) << cb;
                if ((e & L2Entry.ZERO_FLAG) != 0) {
                    m = ClusterMapping.ZERO;
                } else if (hostCluster == 0) {
                    m = ClusterMapping.UNALLOCATED;
                } else {
                    m = null;
                    host = hostCluster + (pos & (g.clusterSize() - 1));
                }
            } else {
                long bitmap = b.getLong(idx + 8);
                int sub = (int) ((pos >>> (cb - 5)) & 31);
                unitEnd = (c << cb) + ((long) (sub + 1) << (cb - 5));
                boolean alloc = ((bitmap >>> sub) & 1) != 0;
                boolean zero = ((bitmap >>> (32 + sub)) & 1) != 0;
                if (alloc && zero) {
                    throw new ImageFormatException("qcow2 L2 table", "subcluster bitmap", at + 8,
                            "0x" + Long.toHexString(bitmap), "subcluster " + sub + " both allocated and zero");
                }
                if (alloc && hostCluster == 0) {
                    throw new ImageFormatException("qcow2 L2 table", "subcluster bitmap", at + 8,
                            "0x" + Long.toHexString(bitmap), "allocated subcluster without a host cluster");
                }
                if (zero) {
                    m = ClusterMapping.ZERO;
                } else if (!alloc) {
                    m = ClusterMapping.UNALLOCATED;
                } else {
                    m = null;
                    host = hostCluster + (pos & (g.clusterSize() - 1));
                }
            }
            if (first == null) {
                first = m != null ? m : new ClusterMapping.Allocated(host);
            } else if (m == null) {
                if (!(first instanceof ClusterMapping.Allocated) || host != expectHost) {
                    break;
                }
            } else if (m != first) {
                break;
            }
            long end = Math.min(unitEnd, limit);
            if (m == null) {
                expectHost = host + (end - pos);
            }
            pos = end;
        }
        return new ClusterMapping.Run(offset, pos - offset, first);
    }

    /** Sets the entry (and bitmap) of guest cluster {@code ci}, creating its L2 table if needed. */
    public void set(long ci, long entry, long bitmap) throws IOException {
        long l1i = ci >>> g.l2Bits();
        if (l1i >= l1.length) {
            throw new ImageException(ImageException.Kind.OUT_OF_RANGE, "guest cluster " + ci + " past the L1 table");
        }
        long l1e = l1[(int) l1i];
        MetadataCache.Table t;
        if (L2Entry.hostOffset(l1e) == 0) {
            long off = refcounts.allocate(1);
            t = cache.create(off);
            l1[(int) l1i] = off | L2Entry.COPIED;
            dirtyL1.set((int) l1i);
        } else {
            if ((l1e & L2Entry.COPIED) == 0) {
                long rc = refcounts.get(L2Entry.hostOffset(l1e) >>> g.clusterBits());
                if (rc != 1) {
                    throw new UnsupportedFeatureException(L1, "shared L2 tables",
                            "writing through an L2 table with refcount " + rc + " (internal snapshots) is not supported");
                }
                l1[(int) l1i] = l1e | L2Entry.COPIED;
                dirtyL1.set((int) l1i);
            }
            t = cache.get(L2Entry.hostOffset(l1e));
        }
        int idx = index(ci);
        t.buf().putLong(idx, entry);
        if (g.extendedL2()) {
            t.buf().putLong(idx + 8, bitmap);
        }
        cache.markDirty(t);
    }

    /** Writes dirty L2 tables, after the refcount blocks they depend on. */
    public void flushTables() throws IOException {
        if (!cache.hasDirty()) {
            return;
        }
        if (refcounts.hasDirty()) {
            refcounts.flush();
        }
        file.sync();
        cache.flush();
    }

    /** Writes dirty L1 entries (their L2 tables must be on disk). */
    public void flushL1() throws IOException {
        if (dirtyL1.isEmpty()) {
            return;
        }
        file.sync();
        // Write the dirty stretch in one go; entries are 8 bytes, the table is contiguous.
        int from = dirtyL1.nextSetBit(0);
        int to = dirtyL1.length();
        ByteBuffer b = ByteBuffer.allocate((to - from) * 8);
        for (int i = from; i < to; i++) {
            b.putLong(l1[i]);
        }
        file.write(b.flip(), l1Offset + from * 8L);
        dirtyL1.clear();
    }

    public boolean hasDirty() {
        return cache.hasDirty() || !dirtyL1.isEmpty();
    }

    /**
     * Replaces the L1 table by a larger copy at {@code newOffset} (already allocated); the caller
     * switches the header to it and frees the old one.
     */
    public void relocateL1(long newOffset, int newSize) throws IOException {
        flushTables();
        flushL1();
        long[] n = new long[newSize];
        System.arraycopy(l1, 0, n, 0, l1.length);
        ByteBuffer b = ByteBuffer.allocate(newSize * 8);
        for (long e : n) {
            b.putLong(e);
        }
        file.write(b.flip(), newOffset);
        l1 = n;
        l1Offset = newOffset;
    }

    public MetadataCache cache() {
        return cache;
    }
}
