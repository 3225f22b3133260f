package io.imgtool.ext4;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.Extent;
import io.imgtool.core.ImageException;
import io.imgtool.ext4.alloc.FreeSpace;
import io.imgtool.ext4.journal.JournalWriter;
import io.imgtool.ext4.write.Writer;
import io.imgtool.ext4.write.WriteSupport;
import java.util.UUID;
import io.imgtool.core.ImageFormatException;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.ext4.internal.Engine;
import io.imgtool.ext4.internal.FileData;
import io.imgtool.ext4.internal.FsContext;
import io.imgtool.ext4.internal.Problems;
import io.imgtool.ext4.internal.Run;
import io.imgtool.ext4.internal.BlockMap;
import io.imgtool.ext4.journal.JournalBlocks;
import io.imgtool.ext4.journal.JournalReplayer;
import io.imgtool.ext4.journal.OverlayDevice;
import io.imgtool.ext4.journal.ReplayResult;
import io.imgtool.ext4.nio.Ext4FileSystem;
import io.imgtool.ext4.ondisk.Checksums;
import io.imgtool.ext4.ondisk.Features;
import io.imgtool.ext4.ondisk.Inode;
import io.imgtool.ext4.ondisk.Superblock;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.util.List;
import java.util.Optional;

/**
 * An ext2, ext3 or ext4 filesystem on a {@link BlockDevice}: the facade of the module. Read-only by
 * default; {@link Ext4Options.Builder#writable(boolean)} opens it for writing.
 *
 * <pre>{@code
 * try (Ext4Volume vol = Ext4Volume.open(device, Ext4Options.defaults());
 *      FileSystem fs = vol.fileSystem()) {
 *     Files.walk(fs.getPath("/etc")).forEach(System.out::println);
 * }
 * }</pre>
 *
 * <p>Opening checks the superblock (magic, geometry against the device, features: an unknown
 * incompatible feature refuses, unknown read-only-compatible ones are fine for reading), replays a
 * dirty journal in memory per {@link JournalPolicy}, and loads the group descriptors. Everything else
 * is read on demand through a metadata cache.
 */
public final class Ext4Volume implements Closeable {

    private final BlockDevice device;
    private final Engine engine;
    private final Problems problems;
    private final ReplayResult replay;
    private final boolean ownsDevice;
    private final Writer writer;
    private final Ext4Options options;
    private Ext4FileSystem fileSystem;
    private volatile boolean closed;

    private Ext4Volume(BlockDevice device, Engine engine, Problems problems, ReplayResult replay, boolean owns,
                       Writer writer, Ext4Options options) {
        this.device = device;
        this.engine = engine;
        this.problems = problems;
        this.replay = replay;
        this.ownsDevice = owns;
        this.writer = writer;
        this.options = options;
    }

    /** Opens the filesystem on {@code device}; the device stays the caller's to close. */
    public static Ext4Volume open(BlockDevice device, Ext4Options options) throws IOException {
        return open(device, options, false);
    }

    public static Ext4Volume open(BlockDevice device) throws IOException {
        return open(device, Ext4Options.defaults(), false);
    }

    /** Opens, and closes {@code device} when the volume is closed. */
    public static Ext4Volume openOwning(BlockDevice device, Ext4Options options) throws IOException {
        return open(device, options, true);
    }

    private static Ext4Volume open(BlockDevice device, Ext4Options options, boolean owns) throws IOException {
        try {
            return openChecked(device, options, owns);
        } catch (IOException | RuntimeException e) {
            if (owns) {
                try {
                    device.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static Ext4Volume openChecked(BlockDevice device, Ext4Options options, boolean owns) throws IOException {
        Superblock sb = readSuperblock(device);
        Problems problems = new Problems();
        verifySuperblockChecksum(sb, options.checksums(), problems);
        BlockDevice view = device;
        ReplayResult replay = null;
        if (options.writable()) {
            if (!device.isWritable()) {
                throw ImageException.readOnly("the device of an ext4 volume opened for writing");
            }
            WriteSupport.checkWritable(sb, options.ignoreRecordedErrors());
            if (sb.hasCompat(Features.COMPAT_HAS_JOURNAL) && sb.hasIncompat(Features.INCOMPAT_RECOVER)) {
                if (options.journal() != JournalPolicy.REPLAY) {
                    throw new UnsupportedFeatureException("ext4 superblock", "needs_recovery",
                            "the journal holds transactions to replay and the open was asked to refuse");
                }
                replay = WriteSupport.recover(device, sb, problems);
                for (String p : replay.problems()) {
                    problems.add(Ext4Problem.Kind.JOURNAL, "jbd2 journal", -1, p);
                }
                sb = readSuperblock(device);
                verifySuperblockChecksum(sb, options.checksums(), problems);
                WriteSupport.checkWritable(sb, options.ignoreRecordedErrors());
            } else if (!sb.hasCompat(Features.COMPAT_HAS_JOURNAL) && sb.hasIncompat(Features.INCOMPAT_RECOVER)) {
                throw new ImageFormatException("ext4 superblock", "s_feature_incompat", Superblock.OFFSET + 0x60,
                        "needs_recovery", "needs recovery but has no journal: run e2fsck");
            }
        } else if (sb.hasCompat(Features.COMPAT_HAS_JOURNAL) && sb.hasIncompat(Features.INCOMPAT_RECOVER)) {
            switch (options.journal()) {
                case REFUSE -> throw new UnsupportedFeatureException("ext4 superblock", "needs_recovery",
                        "the journal holds transactions to replay and the open was asked to refuse");
                case IGNORE -> problems.add(Ext4Problem.Kind.JOURNAL, "jbd2 journal", -1,
                        "needs recovery; not replayed (reading the on-disk state)");
                case REPLAY -> {
                    ReplayResult[] r = new ReplayResult[1];
                    OverlayDevice overlay = replayJournal(device, sb, options, problems, r);
                    replay = r[0];
                    for (String p : replay.problems()) {
                        problems.add(Ext4Problem.Kind.JOURNAL, "jbd2 journal", -1, p);
                    }
                    if (overlay != null) {
                        view = overlay;
                        sb = readSuperblock(view);
                        verifySuperblockChecksum(sb, options.checksums(), problems);
                    }
                }
                default -> throw new IllegalStateException();
            }
        }
        FsContext fs = new FsContext(view, sb, options.checksums(), problems, options.cacheBytes());
        Inode root = fs.inode(2);
        if (!root.isDirectory()) {
            throw new ImageFormatException("ext4 inode 2", "i_mode", fs.inodeOffset(2), String.format("0%o", root.mode()),
                    "the root inode is not a directory");
        }
        Engine engine = new Engine(fs);
        Writer writer = null;
        if (options.writable()) {
            JournalWriter jw = sb.hasCompat(Features.COMPAT_HAS_JOURNAL) ? WriteSupport.journalWriter(fs) : null;
            writer = new Writer(fs, engine.resolver, jw, options.clock(), options.random());
            writer.processOrphans();
        }
        return new Ext4Volume(device, engine, problems, replay, owns, writer, options);
    }

    /** Reads and checks the primary superblock, its features and its size against the device. */
    static Superblock readSuperblock(BlockDevice device) throws IOException {
        if (device.size() < Superblock.OFFSET + Superblock.SIZE) {
            throw new ImageFormatException("ext4 superblock", Superblock.OFFSET,
                    "device of " + device.size() + " bytes is too small for a filesystem");
        }
        ByteBuffer b = ByteBuffer.allocate(Superblock.SIZE);
        device.read(b, Superblock.OFFSET);
        Superblock sb = Superblock.parse(b.flip());
        int unknown = sb.featureIncompat() & ~Features.INCOMPAT_READ_SUPPORTED;
        if (unknown != 0) {
            throw new UnsupportedFeatureException("ext4 superblock",
                    String.join(",", Features.incompatNames(unknown)), "incompatible feature not supported; refusing to read");
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(sb.blocksCount(), (long) sb.blockSize());
        } catch (ArithmeticException e) {
            bytes = Long.MAX_VALUE;
        }
        if (bytes > device.size()) {
            throw new ImageFormatException("ext4 superblock", "s_blocks_count", Superblock.OFFSET + 4,
                    sb.blocksCount(), "filesystem of " + bytes + " bytes does not fit in its device of "
                    + device.size() + " bytes (truncated image?)");
        }
        return sb;
    }

    private static void verifySuperblockChecksum(Superblock sb, ChecksumPolicy policy, Problems problems)
            throws ImageFormatException {
        if (!Checksums.of(sb).verifySuperblock(sb)) {
            String msg = String.format("s_checksum 0x%08x, computed 0x%08x", sb.checksum(), Checksums.superblock(sb));
            problems.add(Ext4Problem.Kind.CHECKSUM, "ext4 superblock", Superblock.OFFSET + Superblock.CHECKSUM_OFFSET, msg);
            if (policy == ChecksumPolicy.STRICT) {
                throw new ImageFormatException("ext4 superblock", "s_checksum",
                        Superblock.OFFSET + Superblock.CHECKSUM_OFFSET, String.format("0x%08x", sb.checksum()),
                        String.format("checksum mismatch (computed 0x%08x)", Checksums.superblock(sb)));
            }
        }
    }

    private static OverlayDevice replayJournal(BlockDevice device, Superblock sb, Ext4Options options,
                                               Problems problems, ReplayResult[] result) throws IOException {
        long inum = sb.journalInum();
        if (inum == 0) {
            throw new UnsupportedFeatureException("ext4 superblock", "external journal",
                    "the journal to replay is on another device");
        }
        FsContext raw = new FsContext(device, sb, options.checksums(), problems, 4L << 20);
        Inode ji = raw.inode(inum);
        FileData fd = new FileData(raw, inum, ji);
        BlockMap map = fd.map();
        int bs = sb.blockSize();
        long count = fd.size() / bs;
        JournalBlocks blocks = new JournalBlocks() {
            @Override
            public long count() {
                return count;
            }

            @Override
            public long physical(long logical) throws IOException {
                if (logical < 0 || logical >= count) {
                    throw new ImageFormatException("jbd2 journal", "block", -1, logical,
                            "outside the journal of " + count + " blocks");
                }
                Run r = map.find(logical);
                if (r.kind() != Run.Kind.MAPPED) {
                    throw new ImageFormatException("journal inode " + inum, "block", -1, logical,
                            "journal block not mapped");
                }
                return r.physical();
            }
        };
        return new JournalReplayer(device, bs, sb.blocksCount(), blocks).replay(result);
    }

    // ---- API --------------------------------------------------------------------------------------

    /** The superblock as read (after journal replay). */
    public Superblock superblock() {
        return engine.fs.sb;
    }

    /** A dumpe2fs-like description of the filesystem. */
    public Ext4Info info() throws IOException {
        return Ext4Info.of(this, engine.fs);
    }

    /** The journal replay done at open, if the filesystem needed one and it was replayed. */
    public Optional<ReplayResult> journalReplay() {
        return Optional.ofNullable(replay);
    }

    /** Problems found so far: checksum mismatches (under REPORT), skipped damaged blocks, journal issues. */
    public List<Ext4Problem> problems() {
        return problems.list();
    }

    /**
     * Checks every checksummed structure (group descriptors, bitmaps, in-use inodes, extent blocks,
     * directory blocks, xattr blocks) and structural soundness of mappings and directories, without
     * stopping at the first problem.
     */
    public Ext4CheckReport check() throws IOException {
        return new Ext4Checker(engine.fs).run();
    }

    /**
     * The {@link FileSystem} view of this volume (one per volume), writable when the volume is.
     * Closing it closes the volume.
     */
    public synchronized FileSystem fileSystem() {
        if (fileSystem == null) {
            fileSystem = Ext4FileSystem.create(this, engine, writer);
        }
        return fileSystem;
    }

    /** Whether the volume was opened for writing. */
    public boolean isWritable() {
        return writer != null;
    }

    private Writer writer() throws ImageException {
        if (writer == null) {
            throw ImageException.readOnly("ext4 volume");
        }
        if (closed) {
            throw new ImageException(ImageException.Kind.INVALID_ARGUMENT, "ext4 volume is closed");
        }
        return writer;
    }

    /** Commits every change made so far: on return it is on the device (journaled where there is a journal). */
    public void flush() throws IOException {
        writer().flush();
    }

    // ---- label, UUID, mount state ------------------------------------------------------------------

    /** The volume label (s_volume_name), empty when none. */
    public String label() {
        return engine.fs.sb.volumeName();
    }

    /**
     * Sets the volume label as {@code tune2fs -L} does: at most 16 bytes of UTF-8, in the primary
     * superblock and every backup.
     */
    public void setLabel(String label) throws IOException {
        byte[] b = checkLabel(label);
        Writer w = writer();
        w.run(() -> {
            engine.fs.sb.setVolumeName(b);
            w.storeSuperblock();
            SuperblockBackups.update(engine.fs, w, sb -> sb.setVolumeName(b));
            return null;
        });
    }

    /** Checks a label for {@link #setLabel}: at most 16 bytes of UTF-8 without NUL. */
    public static byte[] checkLabel(String label) throws ImageException {
        byte[] b = label.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (b.length > 16) {
            throw ImageException.invalidArgument("an ext4 label holds at most 16 bytes; '" + label + "' has " + b.length);
        }
        if (label.indexOf('\0') >= 0) {
            throw ImageException.invalidArgument("an ext4 label cannot contain NUL");
        }
        return b;
    }

    /** The filesystem UUID. */
    public UUID uuid() {
        return UUID.fromString(engine.fs.sb.uuidString());
    }

    /**
     * Sets the filesystem UUID as {@code tune2fs -U} does: with metadata_csum and the
     * metadata_csum_seed feature only the UUID changes; with metadata_csum and no seed feature every
     * checksum of the filesystem is rewritten with the new seed (as tune2fs does; like tune2fs this
     * rewrite is not crash-safe); with gdt_csum the group descriptor checksums are rewritten.
     */
    public void setUuid(UUID uuid) throws IOException {
        Uuids.set(engine.fs, writer(), uuid, false);
    }

    /**
     * Sets the filesystem UUID; with {@code keepSeed} and metadata_csum without the seed feature, the
     * metadata_csum_seed feature is turned on with the current seed instead of rewriting every
     * checksum (one atomic change; kernels from 4.4 read it).
     */
    public void setUuid(UUID uuid, boolean keepSeed) throws IOException {
        Uuids.set(engine.fs, writer(), uuid, keepSeed);
    }

    /**
     * Resets what a mounted life leaves in the superblock: the last-mounted path, the mount count and
     * the recorded error state (state bit, error count, first and last error records).
     */
    public void resetMountState() throws IOException {
        Writer w = writer();
        w.run(() -> {
            Superblock s = engine.fs.sb;
            s.setLastMounted(new byte[0]);
            s.setMountCount(0);
            s.clearErrors();
            s.setState(s.state() | Superblock.STATE_VALID);
            w.storeSuperblock();
            return null;
        });
    }

    // ---- free space ------------------------------------------------------------------------------

    /**
     * The free blocks as byte ranges of the device this volume was opened on (allocation
     * {@link io.imgtool.core.Allocation#UNALLOCATED}), from the block bitmaps. A writable volume
     * commits first, so blocks freed so far count.
     */
    public List<Extent> freeExtents() throws IOException {
        return committedFreeExtents(null);
    }

    /**
     * Like {@link #freeExtents()}, but a group whose block bitmap is doubtful (outside the filesystem,
     * checksum mismatch, free count disagreeing with its descriptor) is left out and described in
     * {@code problems} instead of failing the whole map.
     */
    public List<Extent> freeExtentsSkippingBadGroups(List<String> problems) throws IOException {
        return committedFreeExtents(java.util.Objects.requireNonNull(problems, "problems"));
    }

    /** The free-space scan after committing a writable volume; strict when {@code problems} is null. */
    private List<Extent> committedFreeExtents(List<String> problems) throws IOException {
        if (writer != null) {
            synchronized (writer) {
                writer.flush();
                return scanFree(problems);
            }
        }
        return scanFree(problems);
    }

    private List<Extent> scanFree(List<String> problems) throws IOException {
        return problems == null ? FreeSpace.extents(engine.fs) : FreeSpace.extentsSkippingBadGroups(engine.fs, problems);
    }

    /**
     * Makes every free block read as zeroes: {@link BlockDevice#writeZeroes} (qcow2 zero clusters,
     * sparse holes, or zero bytes written only where the block is not zero already), or with
     * {@code discard} {@link BlockDevice#discard}. Returns the bytes of free space processed.
     */
    public long zeroFree(boolean discard) throws IOException {
        Writer w = writer();
        synchronized (w) {
            w.flush();
            List<Extent> free = FreeSpace.extents(engine.fs);
            // 64 MiB pieces, processed by up to two threads: where the device must read to find
            // what is already zero (raw files without hole support), the reading runs on both cores.
            List<long[]> pieces = new java.util.ArrayList<>();
            long total = 0;
            for (Extent e : free) {
                for (long o = e.offset(); o < e.end(); o += ZERO_PIECE) {
                    pieces.add(new long[] {o, Math.min(ZERO_PIECE, e.end() - o)});
                }
                total += e.length();
            }
            int threads = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
            java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicReference<IOException> failed = new java.util.concurrent.atomic.AtomicReference<>();
            Runnable worker = () -> {
                int i;
                while (failed.get() == null && (i = next.getAndIncrement()) < pieces.size()) {
                    long[] p = pieces.get(i);
                    try {
                        if (discard) {
                            device.discard(p[0], p[1]);
                        } else {
                            device.writeZeroes(p[0], p[1]);
                        }
                    } catch (IOException e) {
                        failed.compareAndSet(null, e);
                    }
                }
            };
            List<Thread> started = new java.util.ArrayList<>();
            for (int t = 1; t < threads; t++) {
                Thread th = new Thread(worker, "ext4-zero-free-" + t);
                th.start();
                started.add(th);
            }
            worker.run();
            for (Thread th : started) {
                try {
                    th.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while zeroing free space");
                }
            }
            if (failed.get() != null) {
                throw failed.get();
            }
            device.flush();
            return total;
        }
    }

    private static final long ZERO_PIECE = 64L << 20;

    /**
     * Overwrites every data block of the regular file {@code file} (a path of this volume's
     * {@link #fileSystem()}, not followed if a link) with zeroes, in place on the device: for a file
     * about to be deleted whose bytes must not survive in free space. Returns false (and changes
     * nothing) for a file with other hard links or with its data inside the inode.
     */
    public boolean scrubFile(java.nio.file.Path file) throws IOException {
        Writer w = writer();
        Ext4FileSystem fs = (Ext4FileSystem) fileSystem();
        if (file.getFileSystem() != fs) {
            throw new java.nio.file.ProviderMismatchException("not a path of this volume: " + file);
        }
        long ino = fs.inodeOf(file, false);
        synchronized (w) {
            Inode in = engine.fs.inode(ino);
            if (!in.isRegular()) {
                throw new java.nio.file.FileSystemException(file.toString(), null, "not a regular file");
            }
            if (in.linksCount() > 1 || in.hasFlag(Inode.FL_INLINE_DATA)) {
                return false;
            }
            w.scrub(ino);
            return true;
        }
    }

    /** The engine; for tests in this package. */
    Engine engine() {
        return engine;
    }

    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        Ext4FileSystem f;
        synchronized (this) {
            f = fileSystem;
        }
        try {
            if (f != null) {
                f.close(); // unregisters it; its close() comes back here and returns at once
            }
            if (writer != null) {
                writer.close();
            }
        } finally {
            if (ownsDevice) {
                device.close();
            }
        }
    }

    @Override
    public String toString() {
        return "ext4 volume " + engine.fs.sb.uuidString() + " on " + device;
    }
}
