package io.imgtool.qcow2;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.core.ImageFormatException;
import io.imgtool.core.RawFileDevice;
import io.imgtool.qcow2.internal.ClusterCounts;
import io.imgtool.qcow2.internal.Geometry;
import io.imgtool.qcow2.internal.Header;
import io.imgtool.qcow2.internal.HeaderExtension;
import io.imgtool.qcow2.internal.HostFile;
import io.imgtool.qcow2.internal.L2Entry;
import io.imgtool.qcow2.internal.RefcountBlock;
import io.imgtool.qcow2.internal.Snapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks a qcow2 image like {@code qemu-img check}: every reference to a host cluster (header,
 * tables, data, compressed data, snapshots, bitmaps) is counted and compared with the stored
 * refcounts. A stored refcount below the references is a corruption (the cluster could be handed
 * out twice); above is a leak (wasted space, harmless). The COPIED flags of the active tables must
 * match "refcount is exactly one".
 *
 * <p>Time and memory follow the allocated clusters, not the virtual size.
 */
public final class Qcow2Checker {

    /** What {@code --repair} may fix. */
    public enum Repair {
        NONE, LEAKS, ALL
    }

    /** The outcome; {@link #toJson()} uses qemu-img check's field names. */
    public record Result(String filename, int corruptions, int leaks, int checkErrors, long imageEndOffset,
                         long totalClusters, long allocatedClusters, long fragmentedClusters,
                         long compressedClusters, int corruptionsFixed, int leaksFixed, List<String> messages) {

        public boolean clean() {
            return corruptions == 0 && leaks == 0 && checkErrors == 0;
        }

        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("image-end-offset", imageEndOffset);
            m.put("total-clusters", totalClusters);
            m.put("check-errors", checkErrors);
            if (leaks > 0) {
                m.put("leaks", leaks);
            }
            if (corruptions > 0) {
                m.put("corruptions", corruptions);
            }
            if (leaksFixed > 0) {
                m.put("leaks-fixed", leaksFixed);
            }
            if (corruptionsFixed > 0) {
                m.put("corruptions-fixed", corruptionsFixed);
            }
            m.put("allocated-clusters", allocatedClusters);
            m.put("fragmented-clusters", fragmentedClusters);
            m.put("compressed-clusters", compressedClusters);
            m.put("filename", filename);
            m.put("format", "qcow2");
            return m;
        }
    }

    private static final int MAX_MESSAGES = 1000;

    private final HostFile file;
    private final Header h;
    private final Geometry g;
    private final int cs;
    private final ClusterCounts refs = new ClusterCounts();
    private final List<String> messages = new ArrayList<>();
    private long[] refTable;
    private final Map<Long, ByteBuffer> blockCache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, ByteBuffer> e) {
            return size() > Math.max(16, (8 << 20) / cs);
        }
    };
    private long lastBlockOffset = -1;
    private ByteBuffer lastBlock;
    private int corruptions;
    private int leaks;
    private long allocated;
    private long fragmented;
    private long compressed;
    private long nextContiguous;
    /** Refcount fixes (cluster → value) and COPIED fixes (file offset → entry). */
    private final TreeMap<Long, Long> refFixes = new TreeMap<>();
    private final TreeMap<Long, Long> entryFixes = new TreeMap<>();
    private final List<Long> unfixable = new ArrayList<>();

    private Qcow2Checker(HostFile file, Header h) {
        this.file = file;
        this.h = h;
        this.g = new Geometry(h.clusterBits, h.extendedL2(), h.refcountOrder);
        this.cs = g.clusterSize();
    }

    /** Checks without changing anything. */
    public static Result check(Path path) throws IOException {
        return check(path, Repair.NONE);
    }

    /** Checks and, unless {@code repair} is NONE, repairs; the result counts what is left and what was fixed. */
    public static Result check(Path path, Repair repair) throws IOException {
        boolean write = repair != Repair.NONE;
        try (RawFileDevice dev = RawFileDevice.open(path, write)) {
            Result before = run(dev, path);
            if (!write || (before.leaks() == 0 && before.corruptions() == 0
                    && (repair != Repair.ALL || !dirty(dev)))) {
                return before;
            }
            HostFile file = new HostFile(dev);
            Qcow2Checker c = new Qcow2Checker(file, readHeader(file));
            c.walk();
            c.repair(repair, dev);
            Result after = run(dev, path);
            List<String> msgs = new ArrayList<>(before.messages());
            for (long cl : c.unfixable) {
                msgs.add("cannot repair cluster " + cl + ": its refcount block is missing");
            }
            return new Result(after.filename(), after.corruptions(), after.leaks(), after.checkErrors(),
                    after.imageEndOffset(), after.totalClusters(), after.allocatedClusters(),
                    after.fragmentedClusters(), after.compressedClusters(),
                    Math.max(0, before.corruptions() - after.corruptions()),
                    Math.max(0, before.leaks() - after.leaks()), msgs);
        }
    }

    private static boolean dirty(BlockDevice dev) throws IOException {
        HostFile f = new HostFile(dev);
        return (readHeader(f).incompatible & Header.INCOMPAT_DIRTY) != 0;
    }

    private static Header readHeader(HostFile file) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(file.size(), 2 << 20));
        file.read(b, 0);
        return Header.parse(b.flip(), file.size());
    }

    private static Result run(BlockDevice dev, Path path) throws IOException {
        HostFile file = new HostFile(dev);
        Qcow2Checker c = new Qcow2Checker(file, readHeader(file));
        c.walk();
        long end = c.compare();
        long total = (c.h.size + c.cs - 1) / c.cs;
        return new Result(path.toString(), c.corruptions, c.leaks, 0, end, total, c.allocated, c.fragmented,
                c.compressed, 0, 0, List.copyOf(c.messages));
    }

    private void message(String m) {
        if (messages.size() < MAX_MESSAGES) {
            messages.add(m);
        }
    }

    private void corrupt(String m) {
        corruptions++;
        message("ERROR " + m);
    }

    private void addRange(long offset, long bytes, String what) {
        if (bytes <= 0) {
            return;
        }
        if (offset < 0 || offset + bytes > file.size() + cs) {
            corrupt(what + " at " + offset + " (" + bytes + " bytes) lies outside the file");
            return;
        }
        for (long c = offset / cs; c <= (offset + bytes - 1) / cs; c++) {
            refs.increment(c);
        }
    }

    // ---- counting references ----------------------------------------------------------------------

    private void walk() throws IOException {
        addRange(0, cs, "header");
        addRange(h.l1TableOffset, Integer.toUnsignedLong(h.l1Size) * 8, "L1 table");
        addRange(h.refcountTableOffset, (long) h.refcountTableClusters * cs, "refcount table");
        readRefTable();
        for (int i = 0; i < refTable.length; i++) {
            if (refTable[i] != 0) {
                addRange(refTable[i], cs, "refcount block " + i);
            }
        }
        List<Snapshot> snaps = List.of();
        try {
            snaps = Snapshot.readAll(h, file);
        } catch (ImageFormatException e) {
            corrupt(e.getMessage());
        }
        if (!snaps.isEmpty()) {
            Snapshot last = snaps.get(snaps.size() - 1);
            long tableEnd = snapshotTableEnd(last);
            addRange(h.snapshotsOffset, tableEnd - h.snapshotsOffset, "snapshot table");
        }
        walkL1(h.l1TableOffset, Integer.toUnsignedLong(h.l1Size), true);
        for (Snapshot s : snaps) {
            addRange(s.l1TableOffset(), Integer.toUnsignedLong(s.l1Size()) * 8, "snapshot " + s.id() + " L1 table");
            walkL1(s.l1TableOffset(), Integer.toUnsignedLong(s.l1Size()), false);
        }
        walkBitmaps();
    }

    private long snapshotTableEnd(Snapshot last) throws IOException {
        ByteBuffer f = ByteBuffer.allocate(40);
        file.read(f, last.tableOffset());
        int idLen = f.getShort(12) & 0xffff;
        int nameLen = f.getShort(14) & 0xffff;
        long extra = Integer.toUnsignedLong(f.getInt(36));
        return last.tableOffset() + ((40 + extra + idLen + nameLen + 7) & ~7L);
    }

    private void readRefTable() throws IOException {
        long entries = (long) h.refcountTableClusters * cs / 8;
        ByteBuffer b = ByteBuffer.allocate((int) entries * 8);
        file.read(b, h.refcountTableOffset);
        b.flip();
        refTable = new long[(int) entries];
        for (int i = 0; i < entries; i++) {
            long e = b.getLong();
            if (e != 0 && ((e & (cs - 1)) != 0 || e < 0 || e > file.size() - cs)) {
                corrupt("refcount block " + i + " at " + e + " is unaligned or outside the file");
                e = 0;
            }
            refTable[i] = e;
        }
    }

    private long storedRefcount(long cluster) throws IOException {
        long bi = cluster >>> g.refblockBits();
        if (bi >= refTable.length || refTable[(int) bi] == 0) {
            return 0;
        }
        ByteBuffer blk = block(refTable[(int) bi]);
        return RefcountBlock.get(blk, g.refcountOrder(), (int) (cluster & ((1L << g.refblockBits()) - 1)));
    }

    private ByteBuffer block(long off) throws IOException {
        // Consecutive lookups nearly always hit one block: skip the map (and its boxing) for them.
        if (off == lastBlockOffset) {
            return lastBlock;
        }
        ByteBuffer b = blockCache.get(off);
        if (b == null) {
            b = ByteBuffer.allocate(cs);
            file.read(b, off);
            b.clear();
            blockCache.put(off, b);
        }
        lastBlockOffset = off;
        lastBlock = b;
        return b;
    }

    private void walkL1(long l1Offset, long l1Size, boolean active) throws IOException {
        if (l1Size == 0) {
            return;
        }
        if (l1Size * 8 > Header.MAX_L1_BYTES || l1Offset < 0 || l1Offset + l1Size * 8 > file.size()) {
            corrupt("L1 table at " + l1Offset + " with " + l1Size + " entries lies outside the file");
            return;
        }
        ByteBuffer l1 = ByteBuffer.allocate((int) l1Size * 8);
        file.read(l1, l1Offset);
        l1.flip();
        ByteBuffer l2 = ByteBuffer.allocate(cs);
        for (int i = 0; i < l1Size; i++) {
            long at = l1Offset + i * 8L;
            long e = l1.getLong(i * 8);
            long off = L2Entry.hostOffset(e);
            if ((e & L2Entry.L1_RESERVED) != 0) {
                corrupt("L1 entry " + i + " at " + at + " has reserved bits set: 0x" + Long.toHexString(e));
            }
            if (off == 0) {
                continue;
            }
            if ((off & (cs - 1)) != 0 || off > file.size() - cs) {
                corrupt("L2 table at " + off + " (L1 entry " + i + ") is unaligned or outside the file");
                continue;
            }
            refs.increment(off / cs);
            if (active) {
                checkCopied(e, at, off, "L1 entry " + i);
            }
            l2.clear();
            file.read(l2, off);
            walkL2(l2, off, active, (long) i << g.l2Bits());
        }
    }

    private void checkCopied(long entry, long at, long host, String what) throws IOException {
        long rc = storedRefcount(host / cs);
        boolean copied = (entry & L2Entry.COPIED) != 0;
        if ((rc == 1) != copied) {
            corrupt("OFLAG_COPIED " + what + " at " + at + ": refcount=" + rc + " but COPIED is "
                    + (copied ? "set" : "clear"));
            entryFixes.put(at, rc == 1 ? entry | L2Entry.COPIED : entry & ~L2Entry.COPIED);
        }
    }

    private void walkL2(ByteBuffer t, long tableOffset, boolean active, long firstCluster) throws IOException {
        int es = g.l2EntrySize();
        long guestClusters = (h.size + cs - 1) / cs;
        for (int j = 0; j < g.l2Entries(); j++) {
            long e = t.getLong(j * es);
            long bm = g.extendedL2() ? t.getLong(j * es + 8) : 0;
            long at = tableOffset + (long) j * es;
            if (e == 0 && bm == 0) {
                continue;
            }
            if (L2Entry.isCompressed(e)) {
                long off = L2Entry.compressedOffset(g, e);
                long sectors = L2Entry.compressedSectors(g, e);
                long start = off & ~511L;
                if (off < 512 || off >= file.size() || start + sectors * 512 > file.size() + 511 + 512) {
                    corrupt("compressed cluster entry at " + at + " points outside the file: 0x" + Long.toHexString(e));
                    continue;
                }
                if (bm != 0) {
                    corrupt("compressed cluster entry at " + at + " has a subcluster bitmap");
                }
                if ((e & L2Entry.COPIED) != 0 && active) {
                    corrupt("compressed cluster entry at " + at + " has COPIED set");
                    entryFixes.put(at, e & ~L2Entry.COPIED);
                }
                for (long c = start / cs; c <= (start + sectors * 512 - 1) / cs; c++) {
                    refs.increment(c);
                }
                if (active) {
                    allocated++;
                    compressed++;
                    nextContiguous = 0;
                }
                continue;
            }
            long reserved = e & L2Entry.STD_RESERVED;
            if (g.extendedL2()) {
                reserved |= e & L2Entry.ZERO_FLAG;
            }
            if (reserved != 0) {
                corrupt("L2 entry at " + at + " has reserved bits set: 0x" + Long.toHexString(e));
            }
            long host = L2Entry.hostOffset(e);
            if (g.extendedL2()) {
                if ((bm & (bm >>> 32) & 0xffffffffL) != 0) {
                    corrupt("L2 entry at " + at + ": subclusters both allocated and zero (bitmap 0x"
                            + Long.toHexString(bm) + ")");
                }
                if (host == 0 && (bm & 0xffffffffL) != 0) {
                    corrupt("L2 entry at " + at + ": allocated subclusters without a host cluster");
                }
            }
            if (host == 0) {
                continue;
            }
            if ((host & (cs - 1)) != 0 || host >= file.size()) {
                corrupt("data cluster at " + host + " (L2 entry at " + at + ") is unaligned or outside the file");
                continue;
            }
            refs.increment(host / cs);
            if (active) {
                if (firstCluster + j < guestClusters) {
                    allocated++;
                    if (nextContiguous != 0 && host != nextContiguous) {
                        fragmented++;
                    }
                    nextContiguous = host + cs;
                }
                checkCopied(e, at, host, "L2 entry");
            }
        }
    }

    private void walkBitmaps() throws IOException {
        HeaderExtension ext = h.extension(HeaderExtension.BITMAPS);
        if (ext == null || ext.data().length < 24) {
            return;
        }
        ByteBuffer d = ByteBuffer.wrap(ext.data());
        long nb = Integer.toUnsignedLong(d.getInt(0));
        long dirSize = d.getLong(8);
        long dirOffset = d.getLong(16);
        if (dirSize < 0 || dirSize > (64L << 20) || dirOffset < 0 || dirOffset + dirSize > file.size()) {
            corrupt("bitmap directory at " + dirOffset + " (" + dirSize + " bytes) lies outside the file");
            return;
        }
        addRange(dirOffset, dirSize, "bitmap directory");
        ByteBuffer dir = ByteBuffer.allocate((int) dirSize);
        file.read(dir, dirOffset);
        int pos = 0;
        for (long i = 0; i < nb && pos + 24 <= dirSize; i++) {
            long tableOffset = dir.getLong(pos);
            long tableSize = Integer.toUnsignedLong(dir.getInt(pos + 8));
            int nameSize = dir.getShort(pos + 18) & 0xffff;
            long extra = Integer.toUnsignedLong(dir.getInt(pos + 20));
            if (tableSize * 8 > (64L << 20) || tableOffset < 0 || tableOffset + tableSize * 8 > file.size()) {
                corrupt("bitmap table at " + tableOffset + " lies outside the file");
                return;
            }
            addRange(tableOffset, tableSize * 8, "bitmap table");
            ByteBuffer bt = ByteBuffer.allocate((int) tableSize * 8);
            file.read(bt, tableOffset);
            for (int k = 0; k < tableSize; k++) {
                long off = bt.getLong(k * 8) & L2Entry.OFFSET_MASK;
                if (off != 0) {
                    addRange(off, cs, "bitmap data");
                }
            }
            pos += (int) ((24 + extra + nameSize + 7) & ~7L);
        }
    }

    // ---- comparing with the stored refcounts -------------------------------------------------------

    /** Compares references with stored refcounts; returns the image end offset. */
    private long compare() throws IOException {
        long perBlock = 1L << g.refblockBits();
        long lastUsed = -1;
        for (int bi = 0; bi < refTable.length; bi++) {
            if (refTable[bi] == 0) {
                continue;
            }
            ByteBuffer blk = block(refTable[bi]);
            long base = bi * perBlock;
            for (int k = 0; k < perBlock; k++) {
                long stored = RefcountBlock.get(blk, g.refcountOrder(), k);
                long c = base + k;
                long ref = refs.get(c);
                if (stored != 0) {
                    lastUsed = Math.max(lastUsed, c);
                }
                if (stored != ref) {
                    if (Long.compareUnsigned(stored, ref) < 0) {
                        corrupt("cluster " + c + " refcount=" + Long.toUnsignedString(stored) + " reference=" + ref);
                    } else {
                        leaks++;
                        message("Leaked cluster " + c + " refcount=" + Long.toUnsignedString(stored) + " reference=" + ref);
                    }
                    refFixes.put(c, ref);
                }
            }
        }
        // References that no refcount block covers.
        for (long c = refs.next(0); c >= 0; c = refs.next(c + 1)) {
            long bi = c / perBlock;
            if (bi >= refTable.length || refTable[(int) bi] == 0) {
                corrupt("cluster " + c + " refcount=0 reference=" + refs.get(c) + " (no refcount block covers it)");
                unfixable.add(c);
            }
            lastUsed = Math.max(lastUsed, c);
        }
        return (lastUsed + 1) * cs;
    }

    // ---- repair ---------------------------------------------------------------------------------------

    private void repair(Repair mode, RawFileDevice dev) throws IOException {
        compare();
        long perBlock = 1L << g.refblockBits();
        Map<Long, ByteBuffer> dirty = new TreeMap<>();
        for (Map.Entry<Long, Long> fix : refFixes.entrySet()) {
            long c = fix.getKey();
            long want = fix.getValue();
            long stored = storedRefcount(c);
            boolean isLeak = Long.compareUnsigned(stored, want) > 0;
            if (!isLeak && mode != Repair.ALL) {
                continue;
            }
            long blockOff = refTable[(int) (c / perBlock)];
            ByteBuffer blk = dirty.computeIfAbsent(blockOff, o -> {
                try {
                    return block(o).duplicate();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            RefcountBlock.set(blk, g.refcountOrder(), (int) (c % perBlock), want);
        }
        for (Map.Entry<Long, ByteBuffer> e : dirty.entrySet()) {
            file.write(e.getValue().duplicate().clear(), e.getKey());
        }
        file.sync();
        if (mode == Repair.ALL) {
            for (Map.Entry<Long, Long> e : entryFixes.entrySet()) {
                // Flags were judged against the old refcounts; judge again against the repaired ones.
                ByteBuffer b = ByteBuffer.allocate(8);
                file.read(b, e.getKey());
                long entry = b.getLong(0);
                long host = L2Entry.isCompressed(entry) ? 0 : L2Entry.hostOffset(entry);
                long rc = host == 0 ? 0 : refs.get(host / cs);
                long fixed = host != 0 && rc == 1 ? entry | L2Entry.COPIED : entry & ~L2Entry.COPIED;
                if (fixed != entry) {
                    file.write(ByteBuffer.allocate(8).putLong(0, fixed), e.getKey());
                }
            }
            file.sync();
            if ((h.incompatible & Header.INCOMPAT_DIRTY) != 0 && unfixable.isEmpty()) {
                ByteBuffer b = ByteBuffer.allocate(8).putLong(0, h.incompatible & ~Header.INCOMPAT_DIRTY);
                file.write(b, 72);
                file.sync();
            }
        }
    }

    static ImageException notQcow2(Path p) {
        return new ImageFormatException("qcow2 header", "magic", 0, null, p + " is not a qcow2 image");
    }
}
