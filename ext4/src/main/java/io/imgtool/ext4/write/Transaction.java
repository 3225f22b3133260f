package io.imgtool.ext4.write;

import io.imgtool.ext4.internal.BlockCache;
import io.imgtool.ext4.internal.FsContext;
import io.imgtool.ext4.ondisk.GroupDescriptor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * The changes made since the last commit, held in memory: modified metadata blocks (dirty in the
 * {@link BlockCache}), blocks and inodes to free at commit, and what was allocated. Nothing here
 * touches the device; {@link Committer} writes a transaction out.
 *
 * <p>Every writer operation runs between {@link #beginOp} and {@link #endOp}. The first change to a
 * block, the superblock or a group descriptor within an operation saves its previous content, so a
 * failing operation (no space, damaged structure found half-way) is undone by {@link #rollbackOp}
 * and leaves the transaction exactly as before it: each operation is all or nothing.
 *
 * <p>Blocks and inodes freed by the transaction stay marked in use until commit: they cannot be
 * reused before the state that freed them is on disk (the jbd2 rule that makes revoke records
 * unnecessary here), and a crash never finds them claimed twice.
 */
final class Transaction {

    private record Undo(byte[] data, boolean wasDirty) {
    }

    private final FsContext fs;
    private final BlockCache cache;

    // ---- transaction state (until commit) ----
    private final Map<Long, MetaKind> kinds = new HashMap<>();
    private final Set<Long> newMeta = new HashSet<>();
    /** Runs of blocks allocated by this transaction (start -> end, exclusive), merged. */
    private final TreeMap<Long, Long> allocated = new TreeMap<>();
    private final List<long[]> pendingFrees = new ArrayList<>();
    private final List<Long> pendingInodeReleases = new ArrayList<>();
    private long opsSinceCommit;

    // ---- operation undo ----
    private boolean inOp;
    private final Map<Long, Undo> undo = new HashMap<>();
    private final Map<Long, byte[]> gdUndo = new HashMap<>();
    private byte[] sbUndo;
    private int freesMark;
    private int releasesMark;
    private TreeMap<Long, Long> allocatedMark;
    private final List<Runnable> rollbackHooks = new ArrayList<>();

    Transaction(FsContext fs) {
        this.fs = fs;
        this.cache = fs.cache;
    }

    FsContext fs() {
        return fs;
    }

    // ---- operations ---------------------------------------------------------------------------

    void beginOp() {
        if (inOp) {
            throw new IllegalStateException("operation already running");
        }
        inOp = true;
        undo.clear();
        gdUndo.clear();
        rollbackHooks.clear();
        sbUndo = fs.sb.toBytes();
        freesMark = pendingFrees.size();
        releasesMark = pendingInodeReleases.size();
        allocatedMark = new TreeMap<>(allocated);
    }

    void endOp() {
        inOp = false;
        undo.clear();
        gdUndo.clear();
        rollbackHooks.clear();
        sbUndo = null;
        allocatedMark = null;
        opsSinceCommit++;
    }

    boolean inOp() {
        return inOp;
    }

    /** Registers an action that undoes in-memory state outside blocks (caches) on rollback. */
    void onRollback(Runnable r) {
        rollbackHooks.add(r);
    }

    /** Undoes every change of the running operation. */
    void rollbackOp() {
        if (!inOp) {
            return;
        }
        for (Map.Entry<Long, Undo> e : undo.entrySet()) {
            long b = e.getKey();
            Undo u = e.getValue();
            if (u.data == null) {
                cache.drop(b); // a block this operation created
                newMeta.remove(b);
                kinds.remove(b);
            } else {
                cache.restore(b, u.data, u.wasDirty);
            }
        }
        for (Map.Entry<Long, byte[]> e : gdUndo.entrySet()) {
            fs.group(e.getKey()).restore(e.getValue());
        }
        fs.sb.restore(sbUndo);
        while (pendingFrees.size() > freesMark) {
            pendingFrees.remove(pendingFrees.size() - 1);
        }
        while (pendingInodeReleases.size() > releasesMark) {
            pendingInodeReleases.remove(pendingInodeReleases.size() - 1);
        }
        allocated.clear();
        allocated.putAll(allocatedMark);
        fs.invalidateAllInodes();
        for (int i = rollbackHooks.size() - 1; i >= 0; i--) {
            rollbackHooks.get(i).run();
        }
        inOp = false;
        undo.clear();
        gdUndo.clear();
        rollbackHooks.clear();
    }

    private void requireOp() {
        if (!inOp) {
            throw new IllegalStateException("metadata changed outside an operation");
        }
    }

    // ---- blocks -------------------------------------------------------------------------------

    /**
     * The bytes of metadata block {@code block}, to modify in place: saved for undo, marked dirty.
     * The caller must leave the block with a valid checksum before anything reads it again.
     */
    byte[] modify(long block, MetaKind kind, String what) throws IOException {
        requireOp();
        BlockCache.Entry e = cache.entry(block, what);
        if (!undo.containsKey(block)) {
            undo.put(block, new Undo(e.data().clone(), cache.isDirty(block)));
        }
        cache.markDirty(e);
        kinds.putIfAbsent(block, kind);
        return e.data();
    }

    /** A newly allocated metadata block: zero bytes to fill, never read from the device. */
    byte[] create(long block, MetaKind kind) throws IOException {
        requireOp();
        byte[] data = new byte[fs.geo.blockSize];
        if (!undo.containsKey(block)) {
            BlockCache.Entry old = cache.peek(block);
            undo.put(block, old == null ? new Undo(null, false) : new Undo(old.data().clone(), cache.isDirty(block)));
        }
        cache.install(block, data);
        newMeta.add(block);
        kinds.put(block, kind);
        return data;
    }

    /**
     * Replaces the content of metadata block {@code block} without reading it (a bitmap of an
     * uninitialised group, whose on-disk bytes mean nothing): returns zero bytes to fill.
     */
    byte[] overwrite(long block, MetaKind kind) throws IOException {
        requireOp();
        byte[] data = new byte[fs.geo.blockSize];
        if (!undo.containsKey(block)) {
            BlockCache.Entry old = cache.peek(block);
            undo.put(block, old == null ? new Undo(null, false) : new Undo(old.data().clone(), cache.isDirty(block)));
        }
        cache.install(block, data);
        kinds.put(block, kind);
        return data;
    }

    MetaKind kindOf(long block) {
        return kinds.getOrDefault(block, MetaKind.OTHER);
    }

    boolean isNewMeta(long block) {
        return newMeta.contains(block);
    }

    // ---- superblock and group descriptors -------------------------------------------------------

    /** Saves group {@code g}'s descriptor for undo; call before changing it. */
    void touchGroup(long g) {
        requireOp();
        gdUndo.computeIfAbsent(g, k -> fs.group(k).toBytes());
    }

    /** Writes group {@code g}'s descriptor (with its checksum) into its descriptor block. */
    void storeGroup(long g) throws IOException {
        GroupDescriptor gd = fs.group(g);
        fs.csums.setGroupDesc(g, gd);
        long[] loc = fs.groupDescriptorLocation(g);
        byte[] b = modify(loc[0], MetaKind.GDT, "ext4 group descriptor block of group " + g);
        gd.writeTo(java.nio.ByteBuffer.wrap(b, (int) loc[1], gd.size()));
    }

    // ---- allocation bookkeeping ---------------------------------------------------------------

    /** Records blocks allocated by this transaction: they may be rewritten in place until commit. */
    void noteAllocated(long start, long len) {
        long end = start + len;
        Map.Entry<Long, Long> lo = allocated.floorEntry(start);
        if (lo != null && lo.getValue() >= start) {
            start = lo.getKey();
            end = Math.max(end, lo.getValue());
        }
        NavigableMap<Long, Long> tail = allocated.subMap(start, true, end, true);
        for (Long k : new ArrayList<>(tail.keySet())) {
            end = Math.max(end, allocated.remove(k));
        }
        allocated.put(start, end);
    }

    /** Whether every block of {@code [start, start + len)} was allocated by this transaction. */
    boolean isAllocatedHere(long start, long len) {
        Map.Entry<Long, Long> e = allocated.floorEntry(start);
        return e != null && e.getValue() >= start + len;
    }

    /** How many blocks from {@code start} (up to {@code len}) were allocated by this transaction. */
    long allocatedHereRun(long start, long len) {
        Map.Entry<Long, Long> e = allocated.floorEntry(start);
        if (e == null || e.getValue() <= start) {
            return 0;
        }
        return Math.min(len, e.getValue() - start);
    }

    /** Blocks to free when the transaction commits. */
    void freeLater(long start, long len) {
        requireOp();
        if (len > 0) {
            pendingFrees.add(new long[] {start, len});
        }
    }

    /** An inode to release (mark deleted, clear its bitmap bit) when the transaction commits. */
    void releaseInodeLater(long ino) {
        requireOp();
        pendingInodeReleases.add(ino);
    }

    List<long[]> pendingFrees() {
        return pendingFrees;
    }

    List<Long> pendingInodeReleases() {
        return pendingInodeReleases;
    }

    boolean isEmpty() {
        return cache.dirtyCount() == 0 && pendingFrees.isEmpty() && pendingInodeReleases.isEmpty();
    }

    long opsSinceCommit() {
        return opsSinceCommit;
    }

    /** Forgets the transaction after it was written out. */
    void committed() {
        kinds.clear();
        newMeta.clear();
        allocated.clear();
        pendingFrees.clear();
        pendingInodeReleases.clear();
        opsSinceCommit = 0;
    }
}
