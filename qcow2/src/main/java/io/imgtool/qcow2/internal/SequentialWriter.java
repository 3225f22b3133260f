package io.imgtool.qcow2.internal;

import io.imgtool.core.ImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Writes a new qcow2 image front to back, for converters: clusters arrive in increasing guest
 * order, and the file is laid out as it goes, every host cluster written once.
 *
 * <ul>
 *   <li>Cluster 0 is the header, written last.</li>
 *   <li>Data clusters follow one another in guest order, so a run of guest clusters is one
 *       contiguous host run and one write. Compressed clusters are packed byte by byte (a host
 *       cluster's refcount is the number of compressed clusters touching it, as QEMU counts);
 *       clusters stored plain in between do not end the pack while it stays in the current
 *       refcount block.</li>
 *   <li>An L2 table is complete when the guest order leaves its range: it is appended then. A
 *       refcount block is complete when allocation leaves its range: it is appended then (it is
 *       counted by a later block). Only the current L2 table and refcount block are in memory,
 *       with the L1 and the refcount table (bounded by QEMU's limits), whatever the image size.</li>
 *   <li>{@link #finish()} appends the last L2 table, the L1 table, the refcount table and the
 *       blocks still missing (which count themselves), then the header.</li>
 * </ul>
 *
 * <p>The file is an {@link OutputFile}: it gets its name only after {@link #finish()} and
 * {@link OutputFile#commit}, so no write ordering is needed inside it (a killed run leaves no image).
 * Not thread-safe: one thread writes.
 */
public final class SequentialWriter {

    private static final int BUFFER = 1 << 20;

    private final OutputFile out;
    private final Header header;
    private final Geometry g;
    private final int cs;
    private final int cb;
    private final long size;
    private final long[] l1;
    private final int rbBits;
    private final long maxRefcount;

    /** Next free host cluster (cluster 0 is the header). */
    private long next = 1;
    private long lastGuest = -1;

    private long l2Index = -1;
    private final ByteBuffer l2;

    private long[] refTable = new long[64];
    private long rbIndex;
    private ByteBuffer rb;
    private final ArrayDeque<Object[]> pendingBlocks = new ArrayDeque<>();

    /** Compressed packing: next free byte, end of the clusters allocated to the pack (-1: no pack). */
    private long packPos = -1;
    private long packLimit = -1;

    /** Write-behind buffer for small writes (compressed data, tables) at consecutive offsets. */
    private final ByteBuffer wbuf = ByteBuffer.allocateDirect(BUFFER);
    private long wbufAt = -1;

    private long dataClusters;
    private long compressedClusters;
    private boolean finished;

    /**
     * Starts an image in {@code out} with the fields of {@code header} (version, cluster bits, size,
     * features, extensions; no backing file); its table offsets and sizes are filled in by
     * {@link #finish()}.
     */
    public SequentialWriter(OutputFile out, Header header) throws IOException {
        if (header.backingFile != null) {
            throw ImageException.invalidArgument("a sequentially written image has no backing file");
        }
        this.out = out;
        this.header = header;
        this.g = new Geometry(header.clusterBits, header.extendedL2(), header.refcountOrder);
        this.cs = g.clusterSize();
        this.cb = g.clusterBits();
        this.size = header.size;
        long l1Entries = Header.requiredL1Entries(size, cb, g.extendedL2());
        if (l1Entries * 8 > Header.MAX_L1_BYTES) {
            throw ImageException.invalidArgument("size " + size + " needs an L1 table over 32 MiB; use larger clusters");
        }
        this.l1 = new long[(int) l1Entries];
        this.rbBits = g.refblockBits();
        this.maxRefcount = g.maxRefcount();
        this.l2 = ByteBuffer.allocate(cs);
        this.rb = ByteBuffer.allocate(cs);
        setRef(0, 1); // the header
    }

    public int clusterSize() {
        return cs;
    }

    /** The header's compression type: 0 deflate, 1 zstd. */
    public int compressionType() {
        return header.compressionType;
    }

    /** Guest clusters stored plain so far. */
    public long dataClusters() {
        return dataClusters;
    }

    /** Guest clusters stored compressed so far. */
    public long compressedClusters() {
        return compressedClusters;
    }

    private void checkOrder(long guestCluster, long count) throws ImageException {
        if (finished) {
            throw new IllegalStateException("image already finished");
        }
        if (guestCluster <= lastGuest || guestCluster < 0 || count < 1
                || guestCluster + count > (size + cs - 1) >>> cb) {
            throw ImageException.invalidArgument("guest clusters [" + guestCluster + ", +" + count
                    + ") out of order or past the end (last written " + lastGuest + ")");
        }
    }

    /**
     * Stores whole clusters from {@code guestCluster} on: {@code data.remaining()} must be a
     * multiple of the cluster size (pad the last, partial guest cluster with zeroes). One host run,
     * one write. {@code data} is consumed.
     */
    public void writeClusters(long guestCluster, ByteBuffer data) throws IOException {
        int len = data.remaining();
        if (len == 0 || (len & (cs - 1)) != 0) {
            throw ImageException.invalidArgument("data of " + len + " bytes is not whole clusters");
        }
        long n = len >>> cb;
        checkOrder(guestCluster, n);
        long host = allocate(n, 1);
        long bitmap = g.extendedL2() ? L2Entry.ALL_ALLOCATED : 0;
        for (long i = 0; i < n; i++) {
            setL2(guestCluster + i, ((host + i) << cb) | L2Entry.COPIED, bitmap);
        }
        lastGuest = guestCluster + n - 1;
        dataClusters += n;
        write(data, host << cb);
        drainPendingBlocks();
    }

    /**
     * Stores one compressed cluster: {@code data[0, len)} is the cluster's deflate stream or zstd
     * frame (the header's compression type), at most one cluster long.
     */
    public void writeCompressed(long guestCluster, byte[] data, int len) throws IOException {
        writeCompressed(guestCluster, data, 0, len);
    }

    /** Like {@link #writeCompressed(long, byte[], int)} for {@code data[off, off+len)}. */
    public void writeCompressed(long guestCluster, byte[] data, int off, int len) throws IOException {
        if (len <= 0 || len > cs) {
            throw ImageException.invalidArgument("compressed cluster of " + len + " bytes (cluster size " + cs + ")");
        }
        checkOrder(guestCluster, 1);
        long at;
        if (packPos >= 0 && packPos + len <= packLimit && refOf(packPos >>> cb) < maxRefcountUnsigned()) {
            // Inside the pack's last cluster, which already has users.
            incrementRef(packPos >>> cb);
            at = packPos;
        } else if (packPos >= 0 && packLimit >>> cb == next
                && (packPos == packLimit || refOf(packPos >>> cb) < maxRefcountUnsigned())) {
            // Runs on into clusters allocated right after the pack.
            if (packPos < packLimit) {
                incrementRef(packPos >>> cb);
            }
            long k = (packPos + len - packLimit + cs - 1) >>> cb;
            packLimit += k << cb;
            allocate(k, 1);
            at = packPos;
        } else {
            long k = (len + cs - 1) >>> cb;
            long first = next;
            packLimit = (first + k) << cb;
            packPos = first << cb;
            allocate(k, 1);
            at = packPos;
        }
        packPos = at + len;
        long sectors = ((at + len - 1) >>> 9) - (at >>> 9) + 1;
        setL2(guestCluster, L2Entry.makeCompressed(g, at, sectors), 0);
        lastGuest = guestCluster;
        compressedClusters++;
        write(ByteBuffer.wrap(data, off, len), at);
        drainPendingBlocks();
    }

    private long maxRefcountUnsigned() {
        return maxRefcount == -1 ? Long.MAX_VALUE : maxRefcount;
    }

    // ---- L2 tables ------------------------------------------------------------------------------

    private void setL2(long guestCluster, long entry, long bitmap) throws IOException {
        long index = guestCluster >>> g.l2Bits();
        if (index != l2Index) {
            flushL2();
            l2Index = index;
        }
        int at = (int) (guestCluster & (g.l2Entries() - 1)) * g.l2EntrySize();
        l2.putLong(at, entry);
        if (g.extendedL2()) {
            l2.putLong(at + 8, bitmap);
        }
    }

    private void flushL2() throws IOException {
        if (l2Index < 0) {
            return;
        }
        long host = allocate(1, 1);
        write(l2.duplicate().clear(), host << cb);
        l1[(int) l2Index] = (host << cb) | L2Entry.COPIED;
        Arrays.fill(l2.array(), (byte) 0);
        l2Index = -1;
    }

    // ---- refcounts ------------------------------------------------------------------------------

    /** Takes the next {@code n} host clusters with refcount {@code ref}; returns the first. */
    private long allocate(long n, long ref) throws IOException {
        long first = next;
        next += n;
        for (long c = first; c < first + n; c++) {
            setRef(c, ref);
        }
        return first;
    }

    private long refOf(long cluster) {
        if (cluster >>> rbBits != rbIndex) {
            return Long.MAX_VALUE; // in a finished block: never reused (the pack was closed)
        }
        return RefcountBlock.get(rb, g.refcountOrder(), (int) (cluster & ((1L << rbBits) - 1)));
    }

    private void incrementRef(long cluster) throws IOException {
        setRef(cluster, refOf(cluster) + 1);
    }

    private void setRef(long cluster, long value) throws IOException {
        long bi = cluster >>> rbBits;
        while (bi > rbIndex) {
            finishBlock();
        }
        if (bi < rbIndex) {
            throw new IllegalStateException("refcount of cluster " + cluster + " after its block was written");
        }
        RefcountBlock.set(rb, g.refcountOrder(), (int) (cluster & ((1L << rbBits) - 1)), value);
    }

    /** Queues the current refcount block for writing and starts the next one. */
    private void finishBlock() {
        if (packLimit > 0 && (packLimit - 1) >>> cb >>> rbBits == rbIndex) {
            packPos = -1; // the pack's clusters are counted in this block: no more users for them
            packLimit = -1;
        }
        pendingBlocks.add(new Object[] {rbIndex, rb});
        rbIndex++;
        rb = ByteBuffer.allocate(cs);
    }

    /** Appends the finished refcount blocks (each counted in a later block). */
    private void drainPendingBlocks() throws IOException {
        while (!pendingBlocks.isEmpty()) {
            Object[] p = pendingBlocks.poll();
            long bi = (Long) p[0];
            long host = allocate(1, 1);
            write(((ByteBuffer) p[1]).clear(), host << cb);
            setTableEntry(bi, host << cb);
        }
    }

    private void setTableEntry(long bi, long offset) throws ImageException {
        if (bi >= refTable.length) {
            if (bi >= Header.MAX_REFTABLE_BYTES / 8) {
                throw new ImageException(ImageException.Kind.OUT_OF_RANGE,
                        "the refcount table would exceed 8 MiB (qemu's limit); use larger clusters");
            }
            refTable = Arrays.copyOf(refTable, (int) Math.min(Header.MAX_REFTABLE_BYTES / 8,
                    Math.max(bi + 1, 2L * refTable.length)));
        }
        refTable[(int) bi] = offset;
    }

    // ---- writing --------------------------------------------------------------------------------

    private void write(ByteBuffer src, long offset) throws IOException {
        int n = src.remaining();
        if (wbufAt >= 0 && offset == wbufAt + wbuf.position() && n <= wbuf.remaining()) {
            wbuf.put(src);
            return;
        }
        flushBuffer();
        if (n >= BUFFER / 4) {
            out.write(src, offset);
        } else {
            wbufAt = offset;
            wbuf.put(src);
        }
    }

    private void flushBuffer() throws IOException {
        if (wbufAt >= 0 && wbuf.position() > 0) {
            wbuf.flip();
            out.write(wbuf, wbufAt);
        }
        wbuf.clear();
        wbufAt = -1;
    }

    /**
     * Appends the remaining metadata and writes the header. Afterwards the file is a complete image;
     * the caller commits the {@link OutputFile}.
     */
    public void finish() throws IOException {
        if (finished) {
            return;
        }
        flushL2();
        drainPendingBlocks();
        // An empty disk has no L1 table at all (l1_size 0, offset 0), as QEMU makes it.
        long l1Clusters = ((long) l1.length * 8 + cs - 1) >>> cb;
        long start = next;
        // The tail: L1, refcount table, then the blocks from the current one to the one counting
        // the tail's last cluster. Their number and the table's size depend on each other.
        long rtClusters = 1;
        long blocks = 1;
        long end;
        long lastBlock;
        while (true) {
            end = start + l1Clusters + rtClusters + blocks;
            lastBlock = (end - 1) >>> rbBits;
            long needBlocks = lastBlock - rbIndex + 1;
            long needRt = Math.max(1, ((lastBlock + 1) * 8 + cs - 1) >>> cb);
            if (needBlocks == blocks && needRt == rtClusters) {
                break;
            }
            // Both grow with each other: iterating from the smallest values reaches the least fixed point.
            blocks = needBlocks;
            rtClusters = needRt;
        }
        if (rtClusters * cs > Header.MAX_REFTABLE_BYTES) {
            throw new ImageException(ImageException.Kind.OUT_OF_RANGE,
                    "the refcount table would exceed 8 MiB (qemu's limit); use larger clusters");
        }
        long l1At = start << cb;
        long rtAt = (start + l1Clusters) << cb;
        long blocksAt = start + l1Clusters + rtClusters;
        // Count the tail in the current block and new ones; a block never counted anything before.
        ByteBuffer[] tailBlocks = new ByteBuffer[(int) blocks];
        tailBlocks[0] = rb;
        for (int i = 1; i < blocks; i++) {
            tailBlocks[i] = ByteBuffer.allocate(cs);
        }
        for (long c = start; c < end; c++) {
            int i = (int) ((c >>> rbBits) - rbIndex);
            RefcountBlock.set(tailBlocks[i], g.refcountOrder(), (int) (c & ((1L << rbBits) - 1)), 1);
        }
        for (int i = 0; i < blocks; i++) {
            setTableEntry(rbIndex + i, (blocksAt + i) << cb);
        }
        next = end;

        // L1 table, in pieces of at most BUFFER bytes.
        ByteBuffer piece = ByteBuffer.allocate((int) Math.min(BUFFER, Math.max(l1Clusters, rtClusters) << cb));
        for (long done = 0; done < l1Clusters << cb; ) {
            piece.clear();
            int n = (int) Math.min(piece.capacity(), (l1Clusters << cb) - done);
            piece.limit(n);
            for (int k = 0; k < n; k += 8) {
                long idx = (done + k) / 8;
                piece.putLong(k, idx < l1.length ? l1[(int) idx] : 0);
            }
            write(piece, l1At + done);
            done += n;
        }
        // Refcount table.
        for (long done = 0; done < rtClusters << cb; ) {
            piece.clear();
            int n = (int) Math.min(piece.capacity(), (rtClusters << cb) - done);
            piece.limit(n);
            for (int k = 0; k < n; k += 8) {
                long idx = (done + k) / 8;
                piece.putLong(k, idx < refTable.length ? refTable[(int) idx] : 0);
            }
            write(piece, rtAt + done);
            done += n;
        }
        for (int i = 0; i < blocks; i++) {
            write(tailBlocks[i].clear(), (blocksAt + i) << cb);
        }
        flushBuffer();

        header.l1Size = l1.length;
        header.l1TableOffset = l1Clusters == 0 ? 0 : l1At;
        header.refcountTableOffset = rtAt;
        header.refcountTableClusters = (int) rtClusters;
        ByteBuffer first = ByteBuffer.allocate(cs);
        header.writeTo(first);
        first.clear();
        out.write(first, 0);
        finished = true;
    }

    /** File size after {@link #finish()}. */
    public long fileSize() {
        return next << cb;
    }
}
