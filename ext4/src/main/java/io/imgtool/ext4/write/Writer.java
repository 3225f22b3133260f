package io.imgtool.ext4.write;

import io.imgtool.core.ImageException;
import io.imgtool.core.ImageFormatException;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.ext4.internal.DirReader;
import io.imgtool.ext4.internal.FileData;
import io.imgtool.ext4.internal.FsContext;
import io.imgtool.ext4.internal.Resolver;
import io.imgtool.ext4.internal.Run;
import io.imgtool.ext4.journal.JournalWriter;
import io.imgtool.ext4.ondisk.DirEntry;
import io.imgtool.ext4.ondisk.Features;
import io.imgtool.ext4.ondisk.Inode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;

/**
 * The write engine of one open filesystem: every change the NIO layer and the volume make, as
 * operations on inode numbers and names. Internal: not part of the API.
 *
 * <p>Each public method is one operation: it either completes or, on any exception, leaves the
 * in-memory state exactly as before (see {@link Transaction}). Changes collect in one transaction
 * that {@link #flush} commits (also done automatically at operation boundaries when the transaction
 * approaches the journal's capacity, and by {@link #close}).
 */
public final class Writer {

    /** ext4's EXT4_LINK_MAX. */
    public static final int LINK_MAX = 65000;

    /** What an operation does, run between begin and end of a {@link Transaction} operation. */
    @FunctionalInterface
    public interface Op<T> {
        T run() throws IOException;
    }

    private final FsContext fs;
    private final Resolver resolver;
    private final Transaction tx;
    private final Allocator alloc;
    private final Inodes inodes;
    private final Mappings mappings;
    private final XattrWriter xattrs;
    private final DataWriter data;
    private final DirWriter dirs;
    private final Committer committer;
    private final Clock clock;
    private final Random random;
    private final DirReader reader;
    private Runnable changeListener = () -> { };

    public Writer(FsContext fs, Resolver resolver, JournalWriter journal, Clock clock, Random random) {
        this.fs = fs;
        this.resolver = resolver;
        this.clock = clock;
        this.random = random;
        this.tx = new Transaction(fs);
        this.alloc = new Allocator(fs, tx);
        this.inodes = new Inodes(fs, tx);
        this.mappings = new Mappings(fs, tx, alloc);
        this.xattrs = new XattrWriter(fs, tx, alloc);
        this.data = new DataWriter(fs, tx, alloc, inodes, mappings, xattrs);
        this.dirs = new DirWriter(fs, tx, alloc, inodes, mappings, xattrs);
        this.committer = new Committer(fs, tx, alloc, inodes, journal, clock);
        this.reader = new DirReader(fs);
    }

    /** Called after every successful change (the NIO layer drops its resolved-path caches). */
    public void onChange(Runnable r) {
        this.changeListener = r;
    }

    public Clock clock() {
        return clock;
    }

    public boolean hasJournal() {
        return committer.journal() != null;
    }

    /** Commits so far. */
    public long commits() {
        return committer.commits();
    }

    // ---- the operation frame ------------------------------------------------------------------

    /** Runs {@code op} as one all-or-nothing operation. */
    public synchronized <T> T run(Op<T> op) throws IOException {
        committer.checkUsable();
        if (committer.estimatedBlocks() > committer.capacity() / 3) {
            committer.commit();
        }
        tx.beginOp();
        T result;
        try {
            result = op.run();
            long size = committer.estimatedBlocks();
            if (size > committer.capacity()) {
                throw new UnsupportedFeatureException("ext4 journal", "large transaction",
                        "the operation changes about " + size + " metadata blocks, more than the journal holds ("
                                + committer.capacity() + ")");
            }
        } catch (IOException | RuntimeException | Error e) {
            tx.rollbackOp();
            mappings.clear();
            resolver.forgetAll();
            changeListener.run();
            throw e;
        }
        tx.endOp();
        changeListener.run();
        return result;
    }

    /**
     * Runs an operation that adds or changes directory entries. Without a journal it gets a
     * transaction of its own (committed before and after): an ordered commit can then write the new
     * inode before the entry that names it, which it could not guarantee for entries pointing at
     * inodes of other, interleaved operations, and names never mix with other operations' changes.
     */
    private <T> T runNamespace(Op<T> op) throws IOException {
        if (committer.journal() != null) {
            return run(op);
        }
        synchronized (this) {
            committer.commit();
            T r = run(op);
            committer.commit();
            return r;
        }
    }

    /** Commits the transaction: on return every change so far is on the device. */
    public synchronized void flush() throws IOException {
        committer.commit();
    }

    /** Commits and marks the filesystem clean (needs_recovery cleared). */
    public synchronized void close() throws IOException {
        committer.close();
    }

    // ---- helpers ------------------------------------------------------------------------------

    private Instant now() {
        return clock.instant();
    }

    /** Checks a new entry name: 1..255 bytes, no '/' or NUL, not "." or "..". */
    public static void checkName(byte[] name, String display) throws FileSystemException {
        if (name.length == 0 || name.length > DirEntry.MAX_NAME) {
            throw new FileSystemException(display, null, "File name length " + name.length + " not in 1..255 bytes");
        }
        if ((name.length == 1 && name[0] == '.') || (name.length == 2 && name[0] == '.' && name[1] == '.')) {
            throw new FileSystemException(display, null, "Invalid name");
        }
        for (byte b : name) {
            if (b == 0 || b == '/') {
                throw new FileSystemException(display, null, "Invalid character in file name");
            }
        }
    }

    private static String show(byte[] name) {
        return io.imgtool.ext4.internal.Names.decode(name);
    }

    private Inode dir(long ino) throws IOException {
        Inode d = fs.inode(ino);
        if (!d.isDirectory()) {
            throw new NotDirectoryException("inode " + ino);
        }
        return d;
    }

    /** The inode named {@code name} in {@code dir}, or -1. */
    private long lookup(long dir, byte[] name) throws IOException {
        DirEntry e = reader.lookup(dir, fs.inode(dir), name);
        return e == null ? -1 : e.inode();
    }

    private void checkMutable(long ino, Inode inode) throws FileSystemException {
        if (inode.hasFlag(Inode.FL_IMMUTABLE) || inode.hasFlag(Inode.FL_APPEND)) {
            throw new FileSystemException("inode " + ino, null,
                    "Operation not permitted: the inode is immutable or append-only (chattr -ia)");
        }
        if (inode.hasFlag(Inode.FL_ENCRYPT)) {
            throw new FileSystemException("inode " + ino, null, "encrypted inode: not written");
        }
        if (inode.hasFlag(Inode.FL_VERITY)) {
            throw new FileSystemException("inode " + ino, null, "fs-verity file: read-only");
        }
    }

    private static int fileType(int mode) {
        return switch (mode & Inode.S_IFMT) {
            case Inode.S_IFREG -> DirEntry.FT_REG_FILE;
            case Inode.S_IFDIR -> DirEntry.FT_DIR;
            case Inode.S_IFCHR -> DirEntry.FT_CHRDEV;
            case Inode.S_IFBLK -> DirEntry.FT_BLKDEV;
            case Inode.S_IFIFO -> DirEntry.FT_FIFO;
            case Inode.S_IFSOCK -> DirEntry.FT_SOCK;
            case Inode.S_IFLNK -> DirEntry.FT_SYMLINK;
            default -> DirEntry.FT_UNKNOWN;
        };
    }

    private int extraIsize() {
        int room = fs.geo.inodeSize - Inode.GOOD_OLD_SIZE;
        if (room <= 0) {
            return 0;
        }
        int want = Math.max(32, Math.max(fs.sb.wantExtraIsize(), fs.sb.minExtraIsize()));
        return Math.min(room, want) & ~3;
    }

    /** Allocates and fills a new inode (not yet stored); links set by the caller. */
    private Inode newInode(long parent, Inode parentInode, int mode, long uid, long gid, long[] inoOut)
            throws IOException {
        boolean isDir = (mode & Inode.S_IFMT) == Inode.S_IFDIR;
        long ino = alloc.allocInode(parent, isDir, "new inode in directory " + parent);
        Inode in = Inode.blank(fs.geo.inodeSize);
        in.setExtraIsize(extraIsize());
        int m = mode;
        long g = gid;
        if ((parentInode.mode() & 02000) != 0) {
            g = parentInode.gid();
            if (isDir) {
                m |= 02000;
            }
        }
        in.setMode(m);
        in.setUid(uid);
        in.setGid(g);
        Instant t = now();
        in.setAtime(t);
        in.setCtime(t);
        in.setMtime(t);
        in.setCrtime(t);
        in.setGeneration(random.nextInt() & 0xffffffffL);
        int inherit = parentInode.flags() & (Inode.FL_SYNC | Inode.FL_NODUMP | Inode.FL_NOATIME
                | (isDir ? Inode.FL_DIRSYNC : 0));
        int type = m & Inode.S_IFMT;
        if ((type == Inode.S_IFREG || type == Inode.S_IFDIR) && fs.sb.hasIncompat(Features.INCOMPAT_EXTENTS)) {
            inherit |= Inode.FL_EXTENTS;
            in.setBlockArea(ExtentStore.emptyRoot());
        }
        in.setFlags(inherit);
        inoOut[0] = ino;
        mappings.forget(ino);
        return in;
    }

    private void incLinks(long ino, Inode inode, boolean dirIndexed) throws FileSystemException {
        int n = inode.linksCount();
        if (inode.isDirectory()) {
            if (n == 1) {
                return; // already past the limit (dir_nlink)
            }
            if (n + 1 >= LINK_MAX) {
                if (fs.sb.hasRoCompat(Features.RO_COMPAT_DIR_NLINK) && dirIndexed) {
                    inode.setLinksCount(1);
                    return;
                }
                throw new FileSystemException("inode " + ino, null, "Too many links");
            }
        } else if (n >= LINK_MAX) {
            throw new FileSystemException("inode " + ino, null, "Too many links");
        }
        inode.setLinksCount(n + 1);
    }

    private void decDirLinks(Inode dir) {
        int n = dir.linksCount();
        if (n > 2) {
            dir.setLinksCount(n - 1);
        }
    }

    private void touchDir(long dir) throws IOException {
        Inode d = inodes.get(dir);
        Instant t = now();
        d.setMtime(t);
        d.setCtime(t);
        inodes.put(dir, d);
    }

    // ---- creating -----------------------------------------------------------------------------

    /** Fills a new inode after it was allocated and stored. */
    @FunctionalInterface
    private interface Fill {
        void fill(long ino) throws IOException;
    }

    private long create(long dir, byte[] name, int mode, long uid, long gid, Fill fill) throws IOException {
        checkName(name, show(name));
        Inode d = dir(dir);
        dirs.checkWritable(dir, d);
        checkMutable(dir, d);
        if (lookup(dir, name) >= 0) {
            throw new FileAlreadyExistsException(show(name));
        }
        long[] ino = new long[1];
        Inode in = newInode(dir, d, mode, uid, gid, ino);
        boolean isDir = (mode & Inode.S_IFMT) == Inode.S_IFDIR;
        in.setLinksCount(isDir ? 2 : 1);
        inodes.put(ino[0], in);
        if (fill != null) {
            fill.fill(ino[0]);
        }
        Inode parent = inodes.get(dir);
        if (isDir) {
            incLinks(dir, parent, dirs.isHtree(parent));
            inodes.put(dir, parent);
        }
        dirs.add(dir, inodes.get(dir), name, ino[0], fileType(mode));
        resolver.remember(dir, name, ino[0]);
        touchDir(dir);
        return ino[0];
    }

    /** Creates an empty regular file; {@code perm} is the permission bits (07777). */
    public long createFile(long dir, byte[] name, int perm, long uid, long gid) throws IOException {
        return runNamespace(() -> create(dir, name, Inode.S_IFREG | (perm & 07777), uid, gid, null));
    }

    /** Creates a directory. */
    public long mkdir(long dir, byte[] name, int perm, long uid, long gid) throws IOException {
        return runNamespace(() -> create(dir, name, Inode.S_IFDIR | (perm & 07777), uid, gid, ino -> {
            Inode in = inodes.get(ino);
            dirs.init(ino, in, dir);
            inodes.put(ino, in);
        }));
    }

    /**
     * Creates a device node, fifo or socket: {@code mode} carries the type (S_IFCHR, S_IFBLK,
     * S_IFIFO, S_IFSOCK) and permission bits.
     */
    public long mknod(long dir, byte[] name, int mode, int major, int minor, long uid, long gid) throws IOException {
        int type = mode & Inode.S_IFMT;
        if (type != Inode.S_IFCHR && type != Inode.S_IFBLK && type != Inode.S_IFIFO && type != Inode.S_IFSOCK) {
            throw new IllegalArgumentException(String.format("mknod of type 0%o", type));
        }
        return runNamespace(() -> create(dir, name, mode, uid, gid, ino -> {
            if (type == Inode.S_IFCHR || type == Inode.S_IFBLK) {
                Inode in = inodes.get(ino);
                in.setDevice(major, minor);
                inodes.put(ino, in);
            }
        }));
    }

    /** Creates a symbolic link to {@code target} (fast in i_block up to 59 bytes, else in a block). */
    public long symlink(long dir, byte[] name, byte[] target, long uid, long gid) throws IOException {
        if (target.length == 0 || target.length >= Math.min(fs.geo.blockSize, 4096)) {
            throw new FileSystemException(show(name), null, "symbolic link target of " + target.length + " bytes");
        }
        for (byte b : target) {
            if (b == 0) {
                throw new FileSystemException(show(name), null, "symbolic link target contains NUL");
            }
        }
        return runNamespace(() -> create(dir, name, Inode.S_IFLNK | 0777, uid, gid, ino -> {
                Inode in = inodes.get(ino);
                if (target.length < Inode.BLOCK_SIZE) {
                    byte[] area = new byte[Inode.BLOCK_SIZE];
                    System.arraycopy(target, 0, area, 0, target.length);
                    in.setFlags(in.flags() & ~Inode.FL_EXTENTS);
                    in.setBlockArea(area);
                    in.setSize(target.length);
                    inodes.put(ino, in);
                } else {
                    if (fs.sb.hasIncompat(Features.INCOMPAT_EXTENTS)) {
                        in.setFlags(in.flags() | Inode.FL_EXTENTS);
                        in.setBlockArea(ExtentStore.emptyRoot());
                    }
                    inodes.put(ino, in);
                    byte[] blockData = new byte[fs.geo.blockSize];
                    System.arraycopy(target, 0, blockData, 0, target.length);
                    data.write(ino, 0, ByteBuffer.wrap(blockData), now());
                    Inode after = inodes.get(ino);
                    after.setSize(target.length);
                    inodes.put(ino, after);
                }
        }));
    }

    /** Adds a hard link {@code name} in {@code dir} to the non-directory {@code target}. */
    public void link(long dir, byte[] name, long target) throws IOException {
        runNamespace(() -> {
            checkName(name, show(name));
            Inode t = inodes.get(target);
            if (t.isDirectory()) {
                throw new FileSystemException(show(name), null, "Operation not permitted: hard link to a directory");
            }
            checkMutable(target, t);
            Inode d = dir(dir);
            dirs.checkWritable(dir, d);
            if (lookup(dir, name) >= 0) {
                throw new FileAlreadyExistsException(show(name));
            }
            incLinks(target, t, false);
            t.setCtime(now());
            inodes.put(target, t);
            dirs.add(dir, inodes.get(dir), name, target, fileType(t.mode()));
            resolver.remember(dir, name, target);
            touchDir(dir);
            return null;
        });
    }

    // ---- removing -----------------------------------------------------------------------------

    /** Drops one link of {@code ino}; with the last one, its blocks and the inode are freed at commit. */
    private void dropLink(long ino) throws IOException {
        Inode in = inodes.get(ino);
        int n = in.linksCount();
        if (in.isDirectory() || n <= 1) {
            // The inode keeps its link count until the commit releases it (dtime and count 0 together):
            // without a journal, no intermediate state shows a deleted inode without its dtime.
            data.releaseBlocks(ino, in);
            tx.releaseInodeLater(ino);
            mappings.forget(ino);
        } else {
            in.setLinksCount(n - 1);
            in.setCtime(now());
            inodes.put(ino, in);
        }
    }

    /** Removes a non-directory entry (file, link, device...). */
    public void unlink(long dir, byte[] name) throws IOException {
        run(() -> {
            Inode d = dir(dir);
            checkMutable(dir, d);
            long ino = lookup(dir, name);
            if (ino < 0) {
                throw new NoSuchFileException(show(name));
            }
            Inode in = fs.inode(ino);
            if (in.isDirectory()) {
                throw new FileSystemException(show(name), null, "Is a directory");
            }
            checkMutable(ino, in);
            dirs.remove(dir, d, name);
            resolver.forget(dir, name);
            dropLink(ino);
            touchDir(dir);
            return null;
        });
    }

    /** Removes an empty directory. */
    public void rmdir(long dir, byte[] name) throws IOException {
        run(() -> {
            Inode d = dir(dir);
            checkMutable(dir, d);
            long ino = lookup(dir, name);
            if (ino < 0) {
                throw new NoSuchFileException(show(name));
            }
            Inode in = fs.inode(ino);
            if (!in.isDirectory()) {
                throw new NotDirectoryException(show(name));
            }
            checkMutable(ino, in);
            if (!dirs.isEmpty(ino, in)) {
                throw new DirectoryNotEmptyException(show(name));
            }
            dirs.remove(dir, d, name);
            resolver.forget(dir, name);
            dropLink(ino);
            Inode p = inodes.get(dir);
            decDirLinks(p);
            inodes.put(dir, p);
            touchDir(dir);
            return null;
        });
    }

    /** Whether {@code dir} is {@code ancestor} or lies below it (walking ".." up to the root). */
    private boolean isWithin(long dir, long ancestor) throws IOException {
        long cur = dir;
        for (int guard = 0; guard < 100_000; guard++) {
            if (cur == ancestor) {
                return true;
            }
            if (cur == Resolver.ROOT) {
                return false;
            }
            long parent = lookup(cur, "..".getBytes());
            if (parent < 0 || parent == cur) {
                return false;
            }
            cur = parent;
        }
        throw new ImageFormatException("directory inode " + dir, -1, "'..' chain does not reach the root");
    }

    /**
     * rename(2): moves {@code fromName} in {@code fromDir} to {@code toName} in {@code toDir}, replacing
     * an existing target when {@code replace} (a directory only by an empty directory), atomically.
     */
    public void rename(long fromDir, byte[] fromName, long toDir, byte[] toName, boolean replace) throws IOException {
        runNamespace(() -> {
            checkName(toName, show(toName));
            Inode sd = dir(fromDir);
            Inode td = dir(toDir);
            dirs.checkWritable(fromDir, sd);
            dirs.checkWritable(toDir, td);
            checkMutable(fromDir, sd);
            checkMutable(toDir, td);
            long src = lookup(fromDir, fromName);
            if (src < 0) {
                throw new NoSuchFileException(show(fromName));
            }
            if (fromDir == toDir && Arrays.equals(fromName, toName)) {
                return null;
            }
            Inode si = fs.inode(src);
            checkMutable(src, si);
            boolean srcDir = si.isDirectory();
            if (srcDir && fromDir != toDir && isWithin(toDir, src)) {
                throw new FileSystemException(show(fromName), show(toName), "Invalid argument: a directory cannot move into itself");
            }
            long dst = lookup(toDir, toName);
            boolean replacedDir = false;
            if (dst >= 0) {
                if (dst == src) {
                    return null; // two links to one inode: rename does nothing
                }
                if (!replace) {
                    throw new FileAlreadyExistsException(show(toName));
                }
                Inode di = fs.inode(dst);
                checkMutable(dst, di);
                if (srcDir) {
                    if (!di.isDirectory()) {
                        throw new NotDirectoryException(show(toName));
                    }
                    if (!dirs.isEmpty(dst, di)) {
                        throw new DirectoryNotEmptyException(show(toName));
                    }
                    replacedDir = true;
                } else if (di.isDirectory()) {
                    throw new FileSystemException(show(toName), null, "Is a directory");
                }
                dirs.retarget(toDir, inodes.get(toDir), toName, src, fileType(si.mode()));
                dropLink(dst);
            } else {
                dirs.add(toDir, inodes.get(toDir), toName, src, fileType(si.mode()));
            }
            dirs.remove(fromDir, inodes.get(fromDir), fromName);
            resolver.forget(fromDir, fromName);
            resolver.remember(toDir, toName, src);
            if (srcDir && fromDir != toDir) {
                dirs.setParent(src, inodes.get(src), toDir);
                Inode f = inodes.get(fromDir);
                decDirLinks(f);
                inodes.put(fromDir, f);
                if (!replacedDir) {
                    Inode t = inodes.get(toDir);
                    incLinks(toDir, t, dirs.isHtree(t));
                    inodes.put(toDir, t);
                }
            } else if (srcDir && replacedDir) {
                Inode t = inodes.get(toDir);
                decDirLinks(t);
                inodes.put(toDir, t);
            }
            Inode s = inodes.get(src);
            s.setCtime(now());
            inodes.put(src, s);
            touchDir(fromDir);
            if (toDir != fromDir) {
                touchDir(toDir);
            }
            return null;
        });
    }

    // ---- contents -----------------------------------------------------------------------------

    private Inode regular(long ino) throws IOException {
        Inode in = fs.inode(ino);
        if (!in.isRegular()) {
            throw new FileSystemException("inode " + ino, null, in.isDirectory() ? "Is a directory" : "not a regular file");
        }
        return in;
    }

    /** Writes {@code src} at {@code pos} of regular file {@code ino}. */
    public int write(long ino, long pos, ByteBuffer src) throws IOException {
        int before = src.position();
        try {
            return run(() -> {
                Inode in = regular(ino);
                checkMutable(ino, in);
                return data.write(ino, pos, src, now());
            });
        } catch (IOException | RuntimeException e) {
            src.position(before);
            throw e;
        }
    }

    /** Sets the size of regular file {@code ino}. */
    public void truncate(long ino, long size) throws IOException {
        run(() -> {
            Inode in = regular(ino);
            checkMutable(ino, in);
            data.truncate(ino, size, now());
            return null;
        });
    }

    /**
     * Overwrites every data block of regular file {@code ino} with zeroes directly on the device
     * (for a file about to be deleted). Returns the bytes zeroed; false-like 0 for inline files.
     */
    public synchronized long scrub(long ino) throws IOException {
        committer.checkUsable();
        Inode in = regular(ino);
        if (in.hasFlag(Inode.FL_INLINE_DATA)) {
            return 0;
        }
        FileData fd = new FileData(fs, ino, in);
        long blocks = (fd.size() + fs.geo.blockSize - 1) / fs.geo.blockSize;
        long done = 0;
        long l = 0;
        int bs = fs.geo.blockSize;
        while (l < blocks) {
            Run r = fd.map().find(l);
            long n = Math.min(r.length(), blocks - l);
            if (r.kind() != Run.Kind.HOLE) {
                fs.dev.writeZeroes(r.physical() * bs, n * bs);
                done += n * bs;
            }
            l += n;
        }
        return done;
    }

    // ---- attributes ---------------------------------------------------------------------------

    /** Changes an inode's attributes with {@code change} (ctime is set to now afterwards unless asked). */
    public void update(long ino, java.util.function.Consumer<Inode> change, boolean touchCtime) throws IOException {
        run(() -> {
            Inode in = inodes.get(ino);
            change.accept(in);
            if (touchCtime) {
                in.setCtime(now());
            }
            inodes.put(ino, in);
            return null;
        });
    }

    /** Sets (value non-null) or removes an extended attribute; removing a missing one is an error. */
    public void setXattr(long ino, int index, byte[] name, byte[] value) throws IOException {
        run(() -> {
            Inode in = inodes.get(ino);
            if (in.hasFlag(Inode.FL_IMMUTABLE) || in.hasFlag(Inode.FL_APPEND)) {
                checkMutable(ino, in);
            }
            boolean changed = xattrs.set(ino, in, index, name, value);
            if (!changed && value == null) {
                throw new FileSystemException("inode " + ino, null, "No such attribute: "
                        + io.imgtool.ext4.ondisk.XattrNames.fullName(index, name));
            }
            in.setCtime(now());
            inodes.put(ino, in);
            return null;
        });
    }

    /** Removes an extended attribute if the inode has it; returns whether it did. */
    public boolean removeXattrIfPresent(long ino, int index, byte[] name) throws IOException {
        return run(() -> {
            Inode in = inodes.get(ino);
            boolean changed = xattrs.set(ino, in, index, name, null);
            if (changed) {
                in.setCtime(now());
                inodes.put(ino, in);
            }
            return changed;
        });
    }

    /**
     * Finishes what the orphan list says was interrupted, as the kernel and e2fsck do at mount: an
     * inode without links (unlinked while open) is deleted, one with links (a truncation in progress)
     * loses its blocks past i_size; then the list is emptied. One transaction, committed. Returns
     * the inodes processed.
     */
    public synchronized int processOrphans() throws IOException {
        if (fs.sb.lastOrphan() == 0) {
            return 0;
        }
        int n = run(() -> {
            java.util.Set<Long> seen = new java.util.HashSet<>();
            long ino = fs.sb.lastOrphan();
            while (ino != 0) {
                fs.checkIno(ino, "orphan list (s_last_orphan / i_dtime chain)");
                if (!seen.add(ino) || seen.size() > fs.geo.inodesCount) {
                    throw new ImageFormatException("orphan list", "i_dtime", fs.inodeOffset(ino) + 0x14, ino,
                            "the orphan chain loops");
                }
                Inode in = inodes.get(ino);
                long next = in.dtime();
                if (in.linksCount() == 0) {
                    data.releaseBlocks(ino, in);
                    tx.releaseInodeLater(ino);
                } else {
                    data.trimToSize(ino);
                    Inode kept = inodes.get(ino);
                    kept.setDtime(0);
                    inodes.put(ino, kept);
                }
                ino = next;
            }
            fs.sb.setLastOrphan(0);
            fs.sb.setState(fs.sb.state() & ~io.imgtool.ext4.ondisk.Superblock.STATE_ORPHANS);
            committer.syncSuperblock();
            return seen.size();
        });
        committer.commit();
        return n;
    }

    // ---- the superblock -----------------------------------------------------------------------

    /** Changes the in-memory superblock; it is written with the transaction. */
    public void updateSuperblock(java.util.function.Consumer<io.imgtool.ext4.ondisk.Superblock> change)
            throws IOException {
        run(() -> {
            change.accept(fs.sb);
            committer.syncSuperblock();
            return null;
        });
    }

    /** Modifies metadata block {@code block} (a backup superblock) within the running operation. */
    public byte[] modifyBlock(long block, String what) throws IOException {
        return tx.modify(block, MetaKind.OTHER, what);
    }

    /** Rewrites every group descriptor's checksum (after a change of the seed they depend on). */
    public void restampGroups() throws IOException {
        for (long g = 0; g < fs.groupCount(); g++) {
            tx.touchGroup(g);
            tx.storeGroup(g);
        }
    }

    /** Writes the in-memory superblock into its block within the running operation. */
    public void storeSuperblock() throws IOException {
        committer.syncSuperblock();
    }

    /** Whether inode {@code ino} is a directory. */
    public boolean isDirectory(long ino) throws IOException {
        return fs.inode(ino).isDirectory();
    }

    /** Whether the inode is in use per its bitmap. */
    public boolean inodeInUse(long ino) throws IOException {
        return alloc.inodeInUse(ino);
    }

    /** Throws the standard exception if the writer cannot be used. */
    public void checkUsable() throws ImageException {
        committer.checkUsable();
    }
}
