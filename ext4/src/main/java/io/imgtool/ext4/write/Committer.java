package io.imgtool.ext4.write;

import io.imgtool.core.ImageException;
import io.imgtool.ext4.internal.BlockCache;
import io.imgtool.ext4.internal.FsContext;
import io.imgtool.ext4.journal.JournalWriter;
import io.imgtool.ext4.ondisk.Features;
import io.imgtool.ext4.ondisk.Inode;
import io.imgtool.ext4.ondisk.Superblock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes a {@link Transaction} to the device.
 *
 * <p><b>With a journal</b> (ext3, ext4): the transaction's frees are applied, every changed metadata
 * block is logged and committed through {@link JournalWriter}, then written in place
 * (checkpoint), then the log is emptied. File data went to blocks no committed state uses before the
 * commit (ordered mode, and a device flush precedes the log). The superblock carries
 * {@code needs_recovery} from the first commit until {@link #close}, as under a kernel mount.
 *
 * <p><b>Without a journal</b> (ext2): the blocks are written in an order that keeps every state in
 * between repairable without losing a file of either the old or the new state, each group followed
 * by a flush: new blocks (not yet referenced); bitmaps, descriptors and superblock with the
 * allocations (blocks being freed still marked used); inode tables; htree index blocks; the other
 * changed metadata (directory entries, extent and indirect blocks, attribute blocks); then the
 * releases of deleted inodes and freed blocks. A crash in between leaves at most leaked blocks or
 * inodes, wrong free counts, unattached inodes and link counts, all of which e2fsck repairs; the
 * superblock's VALID state is cleared meanwhile so the next fsck checks it.
 */
final class Committer {

    private final FsContext fs;
    private final Transaction tx;
    private final Allocator alloc;
    private final Inodes inodes;
    private final JournalWriter journal;
    private final Clock clock;
    private byte[] committedSb;
    private boolean dirtyOnDisk;
    private boolean broken;
    private long commits;

    Committer(FsContext fs, Transaction tx, Allocator alloc, Inodes inodes, JournalWriter journal, Clock clock) {
        this.fs = fs;
        this.tx = tx;
        this.alloc = alloc;
        this.inodes = inodes;
        this.journal = journal;
        this.clock = clock;
        this.committedSb = fs.sb.toBytes();
    }

    JournalWriter journal() {
        return journal;
    }

    long commits() {
        return commits;
    }

    boolean isBroken() {
        return broken;
    }

    void checkUsable() throws ImageException {
        if (broken) {
            throw new ImageException(ImageException.Kind.IO,
                    "an earlier write to the device failed; the volume accepts no more changes (reopen it: the journal "
                            + "or e2fsck repairs the filesystem)");
        }
    }

    /** Most metadata blocks a transaction may hold (journal capacity; a memory bound without one). */
    long capacity() {
        return journal != null ? journal.capacity() : 1L << 16;
    }

    /** Blocks the transaction will write at commit, frees and releases included (an upper bound). */
    long estimatedBlocks() {
        Set<Long> groups = new HashSet<>();
        for (long[] f : tx.pendingFrees()) {
            long g0 = alloc.groupOfBlock(f[0]);
            long g1 = alloc.groupOfBlock(f[0] + f[1] - 1);
            for (long g = g0; g <= g1 && groups.size() < 1_000_000; g++) {
                groups.add(g);
            }
        }
        long extra = 3L * groups.size() + 3L * tx.pendingInodeReleases().size() + 2;
        return fs.cache.dirtyCount() + extra;
    }

    // ---- the superblock -------------------------------------------------------------------------

    private long superBlockNumber() {
        return fs.geo.blockSize == 1024 ? 1 : 0;
    }

    private int superOffset() {
        return fs.geo.blockSize == 1024 ? 0 : 1024;
    }

    /** Copies the in-memory superblock (with its checksum) into its cached block. */
    void syncSuperblock() throws IOException {
        fs.csums.setSuperblock(fs.sb);
        byte[] b = tx.modify(superBlockNumber(), MetaKind.SUPER, "ext4 superblock");
        fs.sb.writeTo(ByteBuffer.wrap(b, superOffset(), Superblock.SIZE));
    }

    /** Writes the last committed superblock with {@code needs_recovery} set (or VALID cleared) in place. */
    private void markDirtyOnDisk() throws IOException {
        if (dirtyOnDisk) {
            return;
        }
        Superblock disk = Superblock.parse(ByteBuffer.wrap(committedSb));
        if (journal != null) {
            disk.setFeatureIncompat(disk.featureIncompat() | Features.INCOMPAT_RECOVER);
        } else {
            disk.setState(disk.state() & ~Superblock.STATE_VALID);
        }
        fs.csums.setSuperblock(disk);
        fs.dev.write(ByteBuffer.wrap(disk.toBytes()), Superblock.OFFSET);
        fs.dev.flush();
        dirtyOnDisk = true;
    }

    private void applyFlag() {
        if (journal != null) {
            fs.sb.setFeatureIncompat(fs.sb.featureIncompat() | Features.INCOMPAT_RECOVER);
        } else {
            fs.sb.setState(fs.sb.state() & ~Superblock.STATE_VALID);
        }
    }

    // ---- commit ---------------------------------------------------------------------------------

    /** Writes the transaction out; on return it is on disk (or an exception says the volume is broken). */
    void commit() throws IOException {
        checkUsable();
        if (tx.isEmpty()) {
            return;
        }
        try {
            fs.dev.flush(); // file data before any metadata that points at it
            markDirtyOnDisk();
            if (journal != null) {
                journaled();
            } else {
                ordered();
            }
            committedSb = fs.sb.toBytes();
            tx.committed();
            commits++;
        } catch (IOException | RuntimeException e) {
            broken = true;
            throw e;
        }
    }

    /** Applies the transaction's inode releases and block frees to the in-memory metadata. */
    private void applyReleasesAndFrees() throws IOException {
        tx.beginOp();
        try {
            Instant now = clock.instant();
            List<Long> releases = new ArrayList<>(tx.pendingInodeReleases());
            List<long[]> frees = new ArrayList<>(tx.pendingFrees());
            for (long ino : releases) {
                Inode inode = inodes.get(ino);
                boolean dir = inode.isDirectory();
                inode.setDtime(now.getEpochSecond());
                inode.setLinksCount(0);
                inode.setSize(0);
                inode.setBlocks512(0, fs.hugeFile);
                inode.setFileAcl(0);
                if (inode.hasFlag(Inode.FL_EXTENTS)) {
                    inode.setBlockArea(ExtentStore.emptyRoot());
                } else if (!inode.hasFlag(Inode.FL_INLINE_DATA)) {
                    inode.setBlockArea(new byte[Inode.BLOCK_SIZE]);
                }
                inodes.put(ino, inode);
                alloc.freeInodeNow(ino, dir);
            }
            frees.sort((a, b) -> Long.compare(a[0], b[0]));
            for (long[] f : frees) {
                alloc.freeBlocksNow(f[0], f[1]);
            }
            tx.pendingInodeReleases().clear();
            tx.pendingFrees().clear();
            applyFlag();
            syncSuperblock();
            tx.endOp();
        } catch (IOException | RuntimeException e) {
            tx.rollbackOp();
            throw e;
        }
    }

    private void journaled() throws IOException {
        applyReleasesAndFrees();
        List<BlockCache.Entry> dirty = fs.cache.dirtyEntries();
        List<JournalWriter.Logged> logged = new ArrayList<>(dirty.size());
        for (BlockCache.Entry e : dirty) {
            logged.add(new JournalWriter.Logged(e.block(), e.data().clone()));
        }
        journal.commit(logged, clock.instant());
        for (int i = 0; i < dirty.size(); i++) {
            JournalWriter.Logged l = logged.get(i);
            fs.dev.write(ByteBuffer.wrap(l.data()), l.block() * fs.geo.blockSize);
        }
        fs.dev.flush();
        for (BlockCache.Entry e : dirty) {
            fs.cache.markClean(e);
        }
        journal.markClean();
    }

    private void writeKinds(List<BlockCache.Entry> all, java.util.function.Predicate<BlockCache.Entry> which)
            throws IOException {
        boolean any = false;
        for (BlockCache.Entry e : all) {
            if (fs.cache.isDirty(e.block()) && which.test(e)) {
                fs.dev.write(ByteBuffer.wrap(e.data().clone()), e.block() * fs.geo.blockSize);
                fs.cache.markClean(e);
                any = true;
            }
        }
        if (any) {
            fs.dev.flush();
        }
    }

    private void ordered() throws IOException {
        tx.beginOp();
        try {
            applyFlag();
            syncSuperblock();
            tx.endOp();
        } catch (IOException | RuntimeException e) {
            tx.rollbackOp();
            throw e;
        }
        List<BlockCache.Entry> all = fs.cache.dirtyEntries();
        writeKinds(all, e -> tx.isNewMeta(e.block()));
        writeKinds(all, e -> {
            MetaKind k = tx.kindOf(e.block());
            return k == MetaKind.BITMAP || k == MetaKind.GDT || k == MetaKind.SUPER;
        });
        writeKinds(all, e -> tx.kindOf(e.block()) == MetaKind.INODE_TABLE);
        writeKinds(all, e -> tx.kindOf(e.block()) == MetaKind.DX_NODE);
        writeKinds(all, e -> true);
        if (!tx.pendingFrees().isEmpty() || !tx.pendingInodeReleases().isEmpty()) {
            applyReleasesAndFrees();
            List<BlockCache.Entry> rest = fs.cache.dirtyEntries();
            writeKinds(rest, e -> tx.kindOf(e.block()) == MetaKind.INODE_TABLE);
            writeKinds(rest, e -> true);
        }
    }

    /**
     * Ends the session: the last commit, then the superblock without {@code needs_recovery} (or with
     * VALID again) and with the write time, written in place.
     */
    void close() throws IOException {
        commit();
        if (!dirtyOnDisk || broken) {
            return;
        }
        if (journal != null) {
            fs.sb.setFeatureIncompat(fs.sb.featureIncompat() & ~Features.INCOMPAT_RECOVER);
        } else {
            fs.sb.setState(fs.sb.state() | Superblock.STATE_VALID);
        }
        fs.sb.setTime(Superblock.WTIME, clock.instant().getEpochSecond());
        fs.csums.setSuperblock(fs.sb);
        byte[] b = fs.sb.toBytes();
        fs.dev.write(ByteBuffer.wrap(b), Superblock.OFFSET);
        fs.dev.flush();
        // Keep the cached copy of the superblock's block in step with the disk.
        BlockCache.Entry e = fs.cache.peek(superBlockNumber());
        if (e != null) {
            System.arraycopy(b, 0, e.data(), superOffset(), Superblock.SIZE);
        }
        committedSb = b;
        dirtyOnDisk = false;
    }
}
