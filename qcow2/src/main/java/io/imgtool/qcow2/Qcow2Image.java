package io.imgtool.qcow2;

import io.imgtool.core.Allocation;
import io.imgtool.core.BlockDevice;
import io.imgtool.core.BlockDevices;
import io.imgtool.core.Extent;
import io.imgtool.core.ImageException;
import io.imgtool.core.ImageFormatException;
import io.imgtool.core.RawFileDevice;
import io.imgtool.core.ResizableDevice;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.qcow2.internal.ClusterMapping;
import io.imgtool.qcow2.internal.Codec;
import io.imgtool.qcow2.internal.Creator;
import io.imgtool.qcow2.internal.Geometry;
import io.imgtool.qcow2.internal.Header;
import io.imgtool.qcow2.internal.HeaderExtension;
import io.imgtool.qcow2.internal.HostFile;
import io.imgtool.qcow2.internal.L2Entry;
import io.imgtool.qcow2.internal.L2Tables;
import io.imgtool.qcow2.internal.Refcounts;
import io.imgtool.qcow2.internal.Snapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A qcow2 image as a {@link BlockDevice}: the guest-visible disk, through its backing chain.
 *
 * <pre>{@code
 * try (Qcow2Image img = Qcow2Image.open(Path.of("disk.qcow2"), false)) {
 *     byte[] mbr = img.readBytes(0, 512);
 * }
 * }</pre>
 *
 * <p>Reads are safe from several threads (the metadata lookup is locked, data I/O is not). Writes
 * are serialized. Metadata is written back in an order that leaves, at any moment, an image
 * {@code qemu-img check} finds clean or only leaking (see docs/qcow2.md).
 */
public final class Qcow2Image implements ResizableDevice {

    /** Backing chains deeper than this are refused. */
    public static final int MAX_CHAIN_DEPTH = 32;
    private static final long L2_CACHE_BYTES = 32L << 20;
    private static final long REFCOUNT_CACHE_BYTES = 4L << 20;
    /** Deferred frees that force a metadata flush, so their bookkeeping stays small. */
    private static final long MAX_DEFERRED = 65536;

    private final Path path;
    private final HostFile file;
    private final Header header;
    private final Geometry g;
    private final Refcounts refcounts;
    private final L2Tables l2;
    private final BlockDevice backing;
    private final String backingFormatUsed;
    private final List<Snapshot> snapshots;
    private final boolean writable;
    private final ReentrantLock lock = new ReentrantLock();
    private final ThreadLocal<Codec> codecs;
    private final ThreadLocal<long[]> cachedClusterKey = ThreadLocal.withInitial(() -> new long[] {-1, -1});
    private final ThreadLocal<byte[]> cachedCluster;
    private volatile long freeGeneration;
    private long size;
    private boolean closed;
    // Compressed-cluster packing: next free byte, end of the pack area, last cluster already counted.
    private long packOffset = -1;
    private long packEnd;
    private long packCounted;

    private Qcow2Image(Path path, HostFile file, Header header, BlockDevice backing, String backingFormatUsed,
                       List<Snapshot> snapshots, boolean writable) throws IOException {
        this.path = path;
        this.file = file;
        this.header = header;
        this.g = new Geometry(header.clusterBits, header.extendedL2(), header.refcountOrder);
        this.backing = backing;
        this.backingFormatUsed = backingFormatUsed;
        this.snapshots = snapshots;
        this.writable = writable;
        this.size = header.size;
        int cs = g.clusterSize();
        this.refcounts = new Refcounts(g, file, header.refcountTableOffset, header.refcountTableClusters,
                (int) Math.max(8, REFCOUNT_CACHE_BYTES / cs), this::refcountTableMoved);
        this.l2 = new L2Tables(g, file, refcounts, header.l1TableOffset, header.l1Size,
                (int) Math.max(16, L2_CACHE_BYTES / cs));
        Codec.Type type = Codec.Type.of(header.compressionType);
        this.codecs = ThreadLocal.withInitial(() -> new Codec(type, 6));
        this.cachedCluster = ThreadLocal.withInitial(() -> new byte[cs]);
    }

    // ---- opening and creating -------------------------------------------------------------------

    /** Opens an image; its backing chain is opened read-only. Writable opens lock the file. */
    public static Qcow2Image open(Path path, boolean writable) throws IOException {
        return open(path, writable, 0, new HashSet<>(), false);
    }

    static Qcow2Image open(Path path, boolean writable, int depth, Set<Path> seen, boolean probed) throws IOException {
        DiskImage.enterChain(path, depth, seen);
        RawFileDevice dev = RawFileDevice.open(path, writable);
        try {
            HostFile file = new HostFile(dev);
            Header h = readHeader(file);
            if (writable) {
                checkWritable(h, path);
            }
            List<Snapshot> snaps = Snapshot.readAll(h, file);
            BlockDevice backing = null;
            String fmt = null;
            if (h.backingFile != null) {
                if (probed) {
                    throw new ImageFormatException(Header.STRUCT, "backing_file", h.backingFileOffset, h.backingFile,
                            "the format of " + path + " was guessed from its content (its overlay names no backing "
                                    + "format) and it names a backing file itself; a raw disk can fake that to read "
                                    + "host files, so imgtool refuses: set the overlay's backing format");
                }
                DiskImage.Opened o = DiskImage.openBacking(path, h.backingFile, h.backingFormat(), depth + 1, seen);
                backing = o.device();
                fmt = o.format();
            }
            try {
                Qcow2Image img = new Qcow2Image(path, file, h, backing, fmt, snaps, writable);
                if (writable) {
                    img.prepareForWriting();
                }
                return img;
            } catch (IOException | RuntimeException e) {
                if (backing != null) {
                    backing.close();
                }
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            dev.close();
            throw e;
        }
    }

    private static Header readHeader(HostFile file) throws IOException {
        long fs = file.size();
        ByteBuffer probe = ByteBuffer.allocate((int) Math.min(fs, 4096));
        file.read(probe, 0);
        probe.flip();
        if (probe.remaining() >= 24 && probe.getInt(0) == Header.MAGIC) {
            int bits = probe.getInt(20);
            if (bits >= 9 && bits <= 21 && (1 << bits) > probe.capacity() && fs > probe.capacity()) {
                ByteBuffer full = ByteBuffer.allocate((int) Math.min(fs, 1L << bits));
                file.read(full, 0);
                probe = full.flip();
            }
        }
        return Header.parse(probe, fs);
    }

    private static void checkWritable(Header h, Path path) throws ImageException {
        if ((h.incompatible & Header.INCOMPAT_CORRUPT) != 0) {
            throw new ImageFormatException(Header.STRUCT, "incompatible_features", 72, "corrupt bit",
                    path + " is marked corrupt; it can only be opened read-only (repair with imgtool check --repair all)");
        }
        if ((h.incompatible & Header.INCOMPAT_DIRTY) != 0) {
            throw new ImageFormatException(Header.STRUCT, "incompatible_features", 72, "dirty bit",
                    path + " was not closed cleanly (lazy refcounts); run imgtool check --repair all before writing");
        }
        if (h.nbSnapshots != 0) {
            throw new UnsupportedFeatureException(Header.STRUCT, "writing an image with internal snapshots",
                    path + " has " + Integer.toUnsignedString(h.nbSnapshots) + " internal snapshot(s); open it read-only");
        }
    }

    /** Clears auto-clear bits imgtool does not maintain (bitmaps become inconsistent, as the spec asks). */
    private void prepareForWriting() throws IOException {
        if (header.version == 3 && header.autoclear != 0) {
            header.autoclear = 0;
            writeHeader();
            file.sync();
        }
    }

    /** Creates a new image (the file must not exist) and opens it writable. */
    public static Qcow2Image create(Path path, Qcow2Options o) throws IOException {
        long size = o.size();
        if (o.backingFile() != null) {
            // Open the backing file first: a wrong name or format fails before anything is written.
            DiskImage.Opened b = DiskImage.openBacking(path.toAbsolutePath(), o.backingFile(), o.backingFormat(), 1,
                    new HashSet<>());
            try (BlockDevice bd = b.device()) {
                if (size < 0) {
                    size = bd.size();
                }
            }
        }
        int order = Integer.numberOfTrailingZeros(o.refcountBits());
        Creator.create(path, size, Integer.numberOfTrailingZeros(o.clusterSize()), o.version(), order, o.extendedL2(),
                o.compression() == Qcow2Options.Compression.ZSTD ? 1 : 0, o.lazyRefcounts(), o.backingFile(),
                o.backingFormat());
        return open(path, true);
    }

    // ---- BlockDevice ----------------------------------------------------------------------------

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    public Path path() {
        return path;
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        checkOpen();
        BlockDevices.checkRange(this, offset, dst.remaining());
        long pos = offset;
        while (dst.hasRemaining()) {
            ClusterMapping.Run r = lookup(pos, dst.remaining());
            int n = (int) r.length();
            ByteBuffer part = dst.slice(dst.position(), n);
            readRun(r, part);
            dst.position(dst.position() + n);
            pos += n;
        }
    }

    private void readRun(ClusterMapping.Run r, ByteBuffer part) throws IOException {
        ClusterMapping m = r.mapping();
        if (m instanceof ClusterMapping.Allocated a) {
            file.read(part, a.hostOffset());
        } else if (m instanceof ClusterMapping.Compressed c) {
            byte[] data = decompressed(c);
            part.put(data, (int) g.offsetInCluster(r.guestOffset()), part.remaining());
        } else if (m instanceof ClusterMapping.Unallocated && backing != null) {
            readBacking(part, r.guestOffset());
        } else {
            fillZero(part);
        }
    }

    private void readBacking(ByteBuffer part, long guestOffset) throws IOException {
        long bs = backing.size();
        int inBacking = (int) Math.max(0, Math.min(part.remaining(), bs - guestOffset));
        if (inBacking > 0) {
            backing.read(part.slice(part.position(), inBacking), guestOffset);
            part.position(part.position() + inBacking);
        }
        fillZero(part);
    }

    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 16);

    static void fillZero(ByteBuffer b) {
        if (b.hasArray()) {
            java.util.Arrays.fill(b.array(), b.arrayOffset() + b.position(), b.arrayOffset() + b.limit(), (byte) 0);
            b.position(b.limit());
            return;
        }
        while (b.hasRemaining()) {
            int n = Math.min(b.remaining(), ZEROS.capacity());
            b.put(ZEROS.duplicate().limit(n));
        }
    }

    /** The decompressed cluster, from a small per-thread cache (partial reads of one cluster are common). */
    private byte[] decompressed(ClusterMapping.Compressed c) throws IOException {
        long[] key = cachedClusterKey.get();
        byte[] out = cachedCluster.get();
        if (key[0] == c.hostOffset() && key[1] == freeGeneration) {
            return out;
        }
        key[0] = -1;
        ByteBuffer in = ByteBuffer.allocate(c.size() + 1);
        in.limit(c.size());
        file.read(in, c.hostOffset());
        codecs.get().decompress(in.array(), c.size(), out, c.hostOffset());
        key[0] = c.hostOffset();
        key[1] = freeGeneration;
        return out;
    }

    @Override
    public List<Extent> extents(long offset, long length) throws IOException {
        checkOpen();
        BlockDevices.checkRange(this, offset, length);
        List<Extent> out = new ArrayList<>();
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            ClusterMapping.Run r = lookup(pos, end - pos);
            ClusterMapping m = r.mapping();
            if (m instanceof ClusterMapping.Unallocated) {
                long inBacking = backing == null ? 0 : Math.max(0, Math.min(r.length(), backing.size() - pos));
                if (inBacking > 0) {
                    for (Extent e : backing.extents(pos, inBacking)) {
                        BlockDevices.appendMerged(out, e);
                    }
                }
                if (inBacking < r.length()) {
                    BlockDevices.appendMerged(out, new Extent(pos + inBacking, r.length() - inBacking,
                            Allocation.UNALLOCATED));
                }
            } else {
                Allocation a = m instanceof ClusterMapping.Zero ? Allocation.ZERO : Allocation.DATA;
                BlockDevices.appendMerged(out, new Extent(pos, r.length(), a));
            }
            pos = r.end();
        }
        return out;
    }

    /** One entry of {@link #map}: like a line of {@code qemu-img map --output=json}. */
    public record MapEntry(long start, long length, int depth, boolean present, boolean zero, boolean data,
                           boolean compressed, long offset) {
    }

    /**
     * The allocation map through the backing chain, like {@code qemu-img map --output=json}: depth is
     * the layer that holds the data (0 = this image), offset the host offset where known, else -1.
     */
    public List<MapEntry> map(long offset, long length) throws IOException {
        List<MapEntry> out = new ArrayList<>();
        mapInto(out, offset, length, 0);
        return out;
    }

    List<MapEntry> mapInto(List<MapEntry> out, long offset, long length, int depth) throws IOException {
        checkOpen();
        BlockDevices.checkRange(this, offset, length);
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            ClusterMapping.Run r = lookup(pos, end - pos);
            ClusterMapping m = r.mapping();
            if (m instanceof ClusterMapping.Allocated a) {
                appendMap(out, new MapEntry(pos, r.length(), depth, true, false, true, false, a.hostOffset()));
            } else if (m instanceof ClusterMapping.Compressed) {
                appendMap(out, new MapEntry(pos, r.length(), depth, true, false, true, true, -1));
            } else if (m instanceof ClusterMapping.Zero) {
                appendMap(out, new MapEntry(pos, r.length(), depth, true, true, false, false, -1));
            } else {
                long inBacking = backing == null ? 0 : Math.max(0, Math.min(r.length(), backing.size() - pos));
                if (inBacking > 0) {
                    if (backing instanceof Qcow2Image q) {
                        q.mapInto(out, pos, inBacking, depth + 1);
                    } else {
                        for (Extent e : backing.extents(pos, inBacking)) {
                            boolean data = e.allocation() == Allocation.DATA;
                            appendMap(out, new MapEntry(e.offset(), e.length(), depth + 1, data || e.allocation()
                                    == Allocation.ZERO, !data, data, false, data ? e.offset() : -1));
                        }
                    }
                }
                if (inBacking < r.length()) {
                    appendMap(out, new MapEntry(pos + inBacking, r.length() - inBacking,
                            backing == null ? depth : depth + 1, false, true, false, false, -1));
                }
            }
            pos = r.end();
        }
        return out;
    }

    private static void appendMap(List<MapEntry> out, MapEntry e) {
        if (!out.isEmpty()) {
            MapEntry l = out.get(out.size() - 1);
            boolean contiguousHost = (l.offset() < 0 && e.offset() < 0)
                    || (l.offset() >= 0 && e.offset() == l.offset() + l.length());
            if (l.start() + l.length() == e.start() && l.depth() == e.depth() && l.present() == e.present()
                    && l.zero() == e.zero() && l.data() == e.data() && l.compressed() == e.compressed()
                    && contiguousHost) {
                out.set(out.size() - 1, new MapEntry(l.start(), l.length() + e.length(), l.depth(), l.present(),
                        l.zero(), l.data(), l.compressed(), l.offset()));
                return;
            }
        }
        out.add(e);
    }

    // ---- writing --------------------------------------------------------------------------------

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        checkOpen();
        BlockDevices.checkWritable(this);
        BlockDevices.checkRange(this, offset, src.remaining());
        lock.lock();
        try {
            long pos = offset;
            long end = offset + src.remaining();
            int cs = g.clusterSize();
            while (pos < end) {
                long ci = pos >>> g.clusterBits();
                long cStart = ci << g.clusterBits();
                if (pos == cStart && end - pos >= cs) {
                    long n = writeFullClusters(src, ci, (end - pos) >>> g.clusterBits());
                    pos += n << g.clusterBits();
                } else {
                    int len = (int) Math.min(end - pos, cStart + cs - pos);
                    ByteBuffer part = src.slice(src.position(), len);
                    writePartial(ci, part, (int) (pos - cStart));
                    src.position(src.position() + len);
                    pos += len;
                }
            }
            maybeFlushDeferred();
        } finally {
            lock.unlock();
        }
    }

    /** Whether a standard cluster can be overwritten in place (its refcount is exactly one). */
    private boolean ownsCluster(long entry) throws IOException {
        if (L2Entry.isCompressed(entry)) {
            return false;
        }
        long host = L2Entry.hostOffset(entry);
        if (host == 0) {
            return false;
        }
        return (entry & L2Entry.COPIED) != 0 || refcounts.get(host >>> g.clusterBits()) == 1;
    }

    /**
     * Writes up to {@code max} whole clusters from {@code ci}: a run of clusters that need new host
     * clusters goes to one contiguous allocation in one write; a run overwritten in place at
     * contiguous host offsets also goes in one write. Returns the clusters written.
     */
    private long writeFullClusters(ByteBuffer src, long ci, long max) throws IOException {
        int cs = g.clusterSize();
        long cap = Math.min(max, Math.max(1, (32L << 20) / cs));
        long e0 = l2.entry(ci);
        boolean inPlace = ownsCluster(e0);
        long n = 1;
        long host0 = L2Entry.hostOffset(e0);
        while (n < cap) {
            long e = l2.entry(ci + n);
            boolean ip = ownsCluster(e);
            if (ip != inPlace || (inPlace && L2Entry.hostOffset(e) != host0 + n * cs)) {
                break;
            }
            n++;
        }
        int bytes = (int) (n * cs);
        ByteBuffer part = src.slice(src.position(), bytes);
        long fullBitmap = g.extendedL2() ? L2Entry.ALL_ALLOCATED : 0;
        if (inPlace) {
            file.write(part, host0);
            for (long i = 0; i < n; i++) {
                long e = l2.entry(ci + i);
                long want = (host0 + i * cs) | L2Entry.COPIED;
                if (e != want || l2.bitmap(ci + i) != fullBitmap) {
                    l2.set(ci + i, want, fullBitmap);
                }
            }
        } else {
            long[] run = refcounts.allocateRun(1, (int) n);
            long host = run[0];
            if (run[1] < n) {
                n = run[1];
                bytes = (int) (n * cs);
                part = src.slice(src.position(), bytes);
            }
            file.write(part, host);
            for (long i = 0; i < n; i++) {
                long old = l2.entry(ci + i);
                l2.set(ci + i, (host + i * cs) | L2Entry.COPIED, fullBitmap);
                freeOld(old);
            }
        }
        src.position(src.position() + bytes);
        return n;
    }

    /** Writes {@code data} at byte {@code inC} of guest cluster {@code ci}, less than a whole cluster. */
    private void writePartial(long ci, ByteBuffer data, int inC) throws IOException {
        int cs = g.clusterSize();
        long cStart = ci << g.clusterBits();
        long e = l2.entry(ci);
        long bm = l2.bitmap(ci);
        long host = L2Entry.isCompressed(e) ? 0 : L2Entry.hostOffset(e);
        boolean owned = ownsCluster(e);
        int len = data.remaining();
        if (!g.extendedL2()) {
            if (owned && (e & L2Entry.ZERO_FLAG) == 0) {
                file.write(data, host + inC);
                if ((e & L2Entry.COPIED) == 0) {
                    l2.set(ci, e | L2Entry.COPIED, 0);
                }
                return;
            }
            byte[] buf = new byte[cs];
            if (L2Entry.isCompressed(e) || (e & L2Entry.ZERO_FLAG) == 0) { // bit 0 of a compressed entry is offset
                readGuest(buf, 0, cStart, cs);
            }
            data.get(buf, inC, len);
            long target = owned ? host : refcounts.allocate(1);
            file.write(ByteBuffer.wrap(buf), target);
            l2.set(ci, target | L2Entry.COPIED, 0);
            if (target != host) {
                freeOld(e);
            }
            return;
        }
        if (L2Entry.isCompressed(e) || (host != 0 && !owned)) {
            byte[] buf = new byte[cs];
            readGuest(buf, 0, cStart, cs);
            data.get(buf, inC, len);
            long target = refcounts.allocate(1);
            file.write(ByteBuffer.wrap(buf), target);
            l2.set(ci, target | L2Entry.COPIED, L2Entry.ALL_ALLOCATED);
            freeOld(e);
            return;
        }
        boolean fresh = host == 0;
        if (fresh) {
            host = refcounts.allocate(1);
        }
        int unit = g.unitSize();
        int s0 = inC / unit;
        int s1 = (inC + len - 1) / unit;
        int from = s0 * unit;
        int to = (s1 + 1) * unit;
        byte[] buf = new byte[to - from];
        if (inC > from) {
            fillSubcluster(buf, 0, ci, s0, bm, fresh, host);
        }
        if (inC + len < to && (s1 != s0 || inC == from)) {
            fillSubcluster(buf, (s1 - s0) * unit, ci, s1, bm, fresh, host);
        }
        data.get(buf, inC - from, len);
        file.write(ByteBuffer.wrap(buf), host + from);
        long nb = bm;
        for (int s = s0; s <= s1; s++) {
            nb |= 1L << s;
            nb &= ~(1L << (32 + s));
        }
        l2.set(ci, host | L2Entry.COPIED, nb);
    }

    /** Fills one subcluster's current content into {@code buf} at {@code at}. */
    private void fillSubcluster(byte[] buf, int at, long ci, int s, long bm, boolean fresh, long host) throws IOException {
        int unit = g.unitSize();
        if (!fresh && ((bm >>> s) & 1) != 0) {
            file.read(ByteBuffer.wrap(buf, at, unit), host + (long) s * unit);
        } else if (((bm >>> (32 + s)) & 1) == 0) {
            readGuest(buf, at, (ci << g.clusterBits()) + (long) s * unit, unit);
        } // else: reads as zero, buf already is
    }

    /** Reads the current guest view; bytes past the virtual size read as zero. */
    private void readGuest(byte[] buf, int at, long guestOffset, int len) throws IOException {
        int inside = (int) Math.max(0, Math.min(len, size - guestOffset));
        if (inside > 0) {
            read(ByteBuffer.wrap(buf, at, inside), guestOffset);
        }
        java.util.Arrays.fill(buf, at + inside, at + len, (byte) 0);
    }

    /** Schedules the release of whatever host storage an old L2 entry used. */
    private void freeOld(long entry) {
        if (L2Entry.isCompressed(entry)) {
            long off = L2Entry.compressedOffset(g, entry) & ~511L;
            long bytes = L2Entry.compressedSectors(g, entry) * 512;
            long first = off >>> g.clusterBits();
            long last = (off + bytes - 1) >>> g.clusterBits();
            refcounts.deferFree(first, last - first + 1);
            freeGeneration++;
        } else if (L2Entry.hostOffset(entry) != 0) {
            refcounts.deferFree(L2Entry.hostOffset(entry) >>> g.clusterBits(), 1);
            freeGeneration++;
        }
    }

    private void maybeFlushDeferred() throws IOException {
        if (refcounts.deferredCount() > MAX_DEFERRED) {
            flushMetadata();
        }
    }

    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        zeroOrDiscard(offset, length, false);
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        zeroOrDiscard(offset, length, true);
    }

    private void zeroOrDiscard(long offset, long length, boolean discard) throws IOException {
        checkOpen();
        BlockDevices.checkWritable(this);
        BlockDevices.checkRange(this, offset, length);
        lock.lock();
        try {
            long pos = offset;
            long end = offset + length;
            int cs = g.clusterSize();
            while (pos < end) {
                long ci = pos >>> g.clusterBits();
                long cStart = ci << g.clusterBits();
                long cEnd = Math.min(cStart + cs, end);
                // A cluster that reaches the virtual end counts as whole when the range does.
                boolean whole = pos == cStart && (cEnd == cStart + cs || (cEnd == end && end == size));
                if (whole) {
                    zeroCluster(ci, discard);
                } else if (g.extendedL2()) {
                    zeroSubclusters(ci, (int) (pos - cStart), (int) (cEnd - pos));
                } else {
                    zeroBytes(pos, (int) (cEnd - pos));
                }
                pos = cEnd;
            }
            maybeFlushDeferred();
        } finally {
            lock.unlock();
        }
    }

    private void zeroCluster(long ci, boolean discard) throws IOException {
        long e = l2.entry(ci);
        long bm = l2.bitmap(ci);
        long ne;
        long nb = 0;
        if (discard && backing == null) {
            ne = 0;
        } else if (g.extendedL2()) {
            ne = 0;
            nb = L2Entry.ALL_ZERO;
        } else if (header.version == 3) {
            ne = L2Entry.ZERO_FLAG;
        } else if (backing == null) {
            ne = 0;
        } else {
            // Version 2 has no zero clusters: over a backing file, zeroes must be written.
            byte[] z = new byte[g.clusterSize()];
            long start = ci << g.clusterBits();
            int len = (int) Math.min(z.length, size - start);
            writePartialOrFull(ci, ByteBuffer.wrap(z, 0, len));
            return;
        }
        if (ne == e && nb == bm) {
            return;
        }
        l2.set(ci, ne, nb);
        freeOld(e);
    }

    private void writePartialOrFull(long ci, ByteBuffer data) throws IOException {
        if (data.remaining() == g.clusterSize()) {
            writeFullClusters(data, ci, 1);
        } else {
            writePartial(ci, data, 0);
        }
    }

    private void zeroBytes(long pos, int len) throws IOException {
        for (Extent x : extents(pos, len)) {
            if (x.allocation() == Allocation.DATA) {
                long ci = x.offset() >>> g.clusterBits();
                writePartial(ci, ByteBuffer.allocate((int) x.length()), (int) g.offsetInCluster(x.offset()));
            }
        }
    }

    private void zeroSubclusters(long ci, int inC, int len) throws IOException {
        int unit = g.unitSize();
        int firstFull = (inC + unit - 1) / unit;
        int endFull = (inC + len) / unit;
        long cStart = ci << g.clusterBits();
        long e = l2.entry(ci);
        if (firstFull >= endFull || L2Entry.isCompressed(e)
                || (L2Entry.hostOffset(e) != 0 && !ownsCluster(e))) {
            zeroBytes(cStart + inC, len);
            return;
        }
        // Partial subclusters at the edges get zero bytes, whole ones the zero bit.
        if (inC < firstFull * unit) {
            zeroBytes(cStart + inC, firstFull * unit - inC);
        }
        if (endFull * unit < inC + len) {
            zeroBytes(cStart + (long) endFull * unit, inC + len - endFull * unit);
        }
        e = l2.entry(ci);
        long bm = l2.bitmap(ci);
        long nb = bm;
        for (int s = firstFull; s < endFull; s++) {
            nb &= ~(1L << s);
            nb |= 1L << (32 + s);
        }
        long ne = e;
        if ((nb & L2Entry.ALL_ALLOCATED) == 0 && L2Entry.hostOffset(e) != 0) {
            ne = 0;
        }
        if (ne != e || nb != bm) {
            l2.set(ci, ne, nb);
            if (ne != e) {
                freeOld(e);
            }
        }
    }

    /**
     * Stores one compressed cluster (for converters; call in guest order for a compact file).
     * {@code data} is the output of this image's {@link #compressionType()} for the whole cluster
     * {@code ci}; the image must be writable.
     */
    public void writeCompressed(long ci, byte[] data, int len) throws IOException {
        checkOpen();
        BlockDevices.checkWritable(this);
        int cs = g.clusterSize();
        if (ci < 0 || (ci << g.clusterBits()) >= size || len <= 0 || len > 2 * cs) {
            throw ImageException.invalidArgument("bad compressed cluster " + ci + " of " + len + " bytes");
        }
        lock.lock();
        try {
            if (packOffset < 0 || packOffset + len > packEnd) {
                boolean extended = false;
                if (packOffset >= 0) {
                    long need = (packOffset + len - packEnd + cs - 1) / cs;
                    extended = takeClusters(packEnd >>> g.clusterBits(), need);
                    if (extended) {
                        packEnd += need * cs;
                    }
                }
                if (!extended) {
                    long n = (len + cs - 1) / cs;
                    packOffset = refcounts.allocate((int) n);
                    packEnd = packOffset + n * cs;
                    packCounted = (packOffset >>> g.clusterBits()) - 1;
                }
            }
            long first = packOffset >>> g.clusterBits();
            long last = (packOffset + len - 1) >>> g.clusterBits();
            for (long c = first; c <= last; c++) {
                if (c > packCounted) {
                    packCounted = c; // the allocation's refcount of 1 is this cluster's first user
                } else {
                    refcounts.increment(c);
                }
            }
            file.write(ByteBuffer.wrap(data, 0, len), packOffset);
            long sectors = ((packOffset + len - 1) >>> 9) - (packOffset >>> 9) + 1;
            long old = l2.entry(ci);
            l2.set(ci, L2Entry.makeCompressed(g, packOffset, sectors), 0);
            freeOld(old);
            packOffset += len;
            maybeFlushDeferred();
        } finally {
            lock.unlock();
        }
    }

    private boolean takeClusters(long first, long n) throws IOException {
        for (long i = 0; i < n; i++) {
            if (!refcounts.allocateAt(first + i)) {
                for (long j = 0; j < i; j++) {
                    refcounts.set(first + j, 0);
                }
                return false;
            }
        }
        return true;
    }

    /** The compression this image's compressed clusters use. */
    public Qcow2Options.Compression compressionType() {
        return header.compressionType == 1 ? Qcow2Options.Compression.ZSTD : Qcow2Options.Compression.DEFLATE;
    }

    public int clusterSize() {
        return g.clusterSize();
    }

    // ---- metadata flush, resize, header ---------------------------------------------------------

    /** Writes metadata in dependency order: refcounts, L2 tables, L1, then deferred frees. */
    private void flushMetadata() throws IOException {
        l2.flushTables();
        l2.flushL1();
        if (refcounts.deferredCount() > 0) {
            file.sync();
            refcounts.applyDeferredFrees();
        }
        refcounts.flush();
    }

    @Override
    public void flush() throws IOException {
        checkOpen();
        if (!writable) {
            return;
        }
        lock.lock();
        try {
            flushMetadata();
            file.sync();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void resize(long newSize) throws IOException {
        checkOpen();
        BlockDevices.checkWritable(this);
        if (newSize < 0) {
            throw ImageException.invalidArgument("negative size " + newSize);
        }
        lock.lock();
        try {
            if (newSize == size) {
                return;
            }
            long old = size;
            if (newSize < old) {
                checkShrinkable(newSize);
            } else {
                long need = Header.requiredL1Entries(newSize, g.clusterBits(), g.extendedL2());
                if (need * 8 > Header.MAX_L1_BYTES) {
                    throw ImageException.invalidArgument("size " + newSize + " needs an L1 table over 32 MiB");
                }
                if (need > l2.l1().length) {
                    growL1((int) need);
                }
            }
            flushMetadata();
            file.sync();
            header.size = newSize;
            writeHeader();
            file.sync();
            size = newSize;
            if (newSize > old && backing != null && backing.size() > old) {
                // Grown space reads as zeroes even where the backing file is larger.
                writeZeroes(old, Math.min(newSize, backing.size()) - old);
            }
        } finally {
            lock.unlock();
        }
    }

    /** The mapping run at {@code pos} (at most {@code length} bytes), looked up under the image lock. */
    private ClusterMapping.Run lookup(long pos, long length) throws IOException {
        lock.lock();
        try {
            return l2.lookup(pos, length);
        } finally {
            lock.unlock();
        }
    }

    private void checkShrinkable(long newSize) throws IOException {
        long pos = newSize;
        while (pos < size) {
            ClusterMapping.Run r = l2.lookup(pos, size - pos);
            if (r.mapping() instanceof ClusterMapping.Allocated || r.mapping() instanceof ClusterMapping.Compressed) {
                byte[] b = new byte[(int) Math.min(r.length(), 1 << 20)];
                for (long p = pos; p < r.end(); p += b.length) {
                    int n = (int) Math.min(b.length, r.end() - p);
                    ByteBuffer bb = ByteBuffer.wrap(b, 0, n);
                    readRun(new ClusterMapping.Run(p, n, shift(r.mapping(), p - pos)), bb);
                    if (!BlockDevices.isZero(b, 0, n)) {
                        throw ImageException.invalidArgument("shrinking to " + newSize + " would drop data at guest offset "
                                + p + "; discard [" + newSize + ", " + size + ") first");
                    }
                }
            }
            pos = r.end();
        }
    }

    private static ClusterMapping shift(ClusterMapping m, long by) {
        return m instanceof ClusterMapping.Allocated a ? new ClusterMapping.Allocated(a.hostOffset() + by) : m;
    }

    private void growL1(int entries) throws IOException {
        int cs = g.clusterSize();
        int clusters = (int) (((long) entries * 8 + cs - 1) / cs);
        long oldOffset = l2.l1Offset();
        int oldClusters = (int) (((long) l2.l1().length * 8 + cs - 1) / cs);
        long off = refcounts.allocate(clusters);
        refcounts.flush();
        l2.relocateL1(off, (int) ((long) clusters * cs / 8));
        file.sync();
        header.l1TableOffset = off;
        header.l1Size = l2.l1().length;
        writeHeader();
        file.sync();
        if (header.l1Size > 0 && oldOffset != 0) {
            for (long c = oldOffset >>> g.clusterBits(); c < (oldOffset >>> g.clusterBits()) + oldClusters; c++) {
                refcounts.set(c, refcounts.get(c) - 1);
            }
        }
    }

    private void refcountTableMoved(long offset, int clusters) throws IOException {
        header.refcountTableOffset = offset;
        header.refcountTableClusters = clusters;
        ByteBuffer b = ByteBuffer.allocate(12).putLong(offset).putInt(clusters);
        file.write(b.flip(), 48);
    }

    /** Rewrites the header area of the first cluster in one write. */
    private void writeHeader() throws IOException {
        ByteBuffer first = ByteBuffer.allocate(g.clusterSize());
        header.writeTo(first);
        int used = 0;
        for (int i = first.capacity() - 1; i >= 0; i--) {
            if (first.get(i) != 0) {
                used = i + 1;
                break;
            }
        }
        int len = Math.min(first.capacity(), (used + 511) & ~511);
        file.write(first.limit(len), 0);
    }

    // ---- information ----------------------------------------------------------------------------

    /** The parsed header (internal; for the checker and info). */
    Header header() {
        return header;
    }

    HostFile hostFile() {
        return file;
    }

    Geometry geometry() {
        return g;
    }

    List<Snapshot> snapshotList() {
        return snapshots;
    }

    /** The backing device, or null. */
    public BlockDevice backing() {
        return backing;
    }

    /** The backing file's format as opened ("qcow2" or "raw"), or null. */
    public String backingFormat() {
        return backingFormatUsed;
    }

    /** What {@code qemu-img info} shows about this image (not its backing files). */
    public ImageInfo info() throws IOException {
        return ImageInfo.of(this);
    }

    private void checkOpen() throws ImageException {
        if (closed) {
            throw new ImageException(ImageException.Kind.INVALID_ARGUMENT, this + " is closed");
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            if (writable) {
                lock.lock();
                try {
                    flushMetadata();
                    file.sync();
                } finally {
                    lock.unlock();
                }
            }
        } finally {
            closed = true;
            try {
                file.close();
            } finally {
                if (backing != null) {
                    backing.close();
                }
            }
        }
    }

    @Override
    public String toString() {
        return "qcow2 image " + path;
    }
}
