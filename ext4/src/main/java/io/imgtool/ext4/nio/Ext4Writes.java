package io.imgtool.ext4.nio;

import io.imgtool.ext4.internal.Names;
import io.imgtool.ext4.internal.Resolver;
import io.imgtool.ext4.internal.Symlinks;
import io.imgtool.ext4.ondisk.Inode;
import io.imgtool.ext4.ondisk.XattrNames;
import io.imgtool.ext4.ondisk.PosixAcl;
import io.imgtool.ext4.write.Writer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.time.Instant;
import java.util.Set;

/**
 * The write side of the NIO provider: path-level semantics (what exists, what a link points to,
 * which standard exception) over the engine's {@link Writer}, which works on inode numbers.
 */
final class Ext4Writes {

    static final int DEFAULT_FILE_MODE = 0644;
    static final int DEFAULT_DIR_MODE = 0755;

    private Ext4Writes() {
    }

    /** A name to create or remove: its directory, the name, and what it names now (-1: nothing). */
    record Parent(long dir, byte[] name, Ext4Path dirPath, long existing) {
    }

    static Parent parent(Ext4FileSystem fs, Ext4Path p) throws IOException {
        Ext4Path abs = (Ext4Path) p.toAbsolutePath();
        String last = abs.lastName();
        if (last == null) {
            throw new FileSystemException(p.toString(), null, "the root directory");
        }
        if (last.equals(".") || last.equals("..")) {
            throw new FileSystemException(p.toString(), null, "Invalid argument");
        }
        Ext4Path dirPath = (Ext4Path) abs.getParent();
        Resolver.Resolved d = fs.resolve(dirPath, true);
        if (!d.inode().isDirectory()) {
            throw new NotDirectoryException(dirPath.toString());
        }
        byte[] name = Names.encode(last);
        long existing = fs.engine().resolver.lookup(d.ino(), d.inode(), name);
        return new Parent(d.ino(), name, dirPath, existing);
    }

    /** Like {@link #parent}, following a symbolic link at the end (to where it points, existing or not). */
    static Parent parentFollowing(Ext4FileSystem fs, Ext4Path p) throws IOException {
        Ext4Path cur = p;
        for (int i = 0; i <= Resolver.MAX_LINKS; i++) {
            Parent par = parent(fs, cur);
            if (par.existing() < 0) {
                return par;
            }
            Inode in = fs.engine().fs.inode(par.existing());
            if (!in.isSymlink()) {
                return par;
            }
            String target = Names.decode(Symlinks.target(fs.engine().fs, par.existing(), in));
            cur = target.startsWith("/") ? new Ext4Path(fs, target) : (Ext4Path) par.dirPath().resolve(target);
        }
        throw new FileSystemLoopException(p.toString());
    }

    /** Mode and owner from creation attributes ("posix:permissions", "unix:mode", "unix:uid", "unix:gid"). */
    record Meta(int perm, long uid, long gid) {
    }

    @SuppressWarnings("unchecked")
    static Meta meta(FileAttribute<?>[] attrs, int defaultPerm) {
        int perm = defaultPerm;
        long uid = 0;
        long gid = 0;
        for (FileAttribute<?> a : attrs) {
            String n = a.name();
            Object v = a.value();
            switch (n) {
                case "posix:permissions", "unix:permissions" -> perm = (perm & ~0777) | bits((Set<PosixFilePermission>) v);
                case "unix:mode", "ext4:mode" -> perm = ((Number) v).intValue() & 07777;
                case "unix:uid", "ext4:uid" -> uid = ((Number) v).longValue() & 0xffffffffL;
                case "unix:gid", "ext4:gid" -> gid = ((Number) v).longValue() & 0xffffffffL;
                case "posix:owner", "owner:owner" -> uid = principalId(v);
                case "posix:group" -> gid = principalId(v);
                default -> throw new UnsupportedOperationException("attribute '" + n + "' cannot be set at creation");
            }
        }
        return new Meta(perm, uid, gid);
    }

    static int bits(Set<PosixFilePermission> perms) {
        int m = 0;
        for (PosixFilePermission x : perms) {
            m |= 0400 >> x.ordinal();
        }
        return m;
    }

    static long principalId(Object v) {
        String name = v instanceof UserPrincipal u ? u.getName() : String.valueOf(v);
        try {
            long id = Long.parseLong(name);
            if (id < 0 || id > 0xffffffffL) {
                throw new NumberFormatException();
            }
            return id;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("owners are numeric ids on an offline guest filesystem, not '" + name + "'");
        }
    }

    // ---- channels -------------------------------------------------------------------------------

    static SeekableByteChannel open(Ext4FileSystem fs, Ext4Path p, Set<? extends OpenOption> options,
                                    FileAttribute<?>... attrs) throws IOException {
        boolean write = options.contains(StandardOpenOption.WRITE) || options.contains(StandardOpenOption.APPEND);
        boolean append = options.contains(StandardOpenOption.APPEND);
        boolean read = options.contains(StandardOpenOption.READ) || !write;
        if (append && options.contains(StandardOpenOption.READ)) {
            throw new IllegalArgumentException("READ + APPEND not allowed");
        }
        if (append && options.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
            throw new IllegalArgumentException("APPEND + TRUNCATE_EXISTING not allowed");
        }
        boolean createNew = write && options.contains(StandardOpenOption.CREATE_NEW);
        boolean create = write && (createNew || options.contains(StandardOpenOption.CREATE));
        boolean follow = !options.contains(LinkOption.NOFOLLOW_LINKS);
        Writer w = fs.writer();
        Meta meta = meta(attrs, DEFAULT_FILE_MODE);
        return fs.locked(() -> {
            Parent par = follow && !createNew ? parentFollowing(fs, p) : parent(fs, p);
            long ino = par.existing();
            if (ino >= 0) {
                if (createNew) {
                    throw new FileAlreadyExistsException(p.toString());
                }
                Inode in = fs.engine().fs.inode(ino);
                if (in.isSymlink()) {
                    throw new FileSystemException(p.toString(), null, "Too many levels of symbolic links (NOFOLLOW_LINKS)");
                }
                if (in.isDirectory()) {
                    throw new FileSystemException(p.toString(), null, "Is a directory");
                }
                if (!in.isRegular()) {
                    throw new FileSystemException(p.toString(), null, "not a regular file (device, fifo or socket)");
                }
                if (write && options.contains(StandardOpenOption.TRUNCATE_EXISTING) && in.size64() > 0) {
                    w.truncate(ino, 0);
                }
            } else {
                if (!create) {
                    throw new NoSuchFileException(p.toString());
                }
                ino = w.createFile(par.dir(), par.name(), meta.perm(), meta.uid(), meta.gid());
            }
            final long target = ino;
            Ext4FileSystem.IoCall<Void> onClose = null;
            if (options.contains(StandardOpenOption.DELETE_ON_CLOSE)) {
                onClose = () -> {
                    Parent now = parent(fs, p);
                    if (now.existing() == target) {
                        w.unlink(now.dir(), now.name());
                    }
                    return null;
                };
            }
            return new Ext4ByteChannel(fs, target, read, write, append, onClose);
        });
    }

    // ---- directories, links, removal --------------------------------------------------------------

    static void createDirectory(Ext4FileSystem fs, Ext4Path p, FileAttribute<?>... attrs) throws IOException {
        Writer w = fs.writer();
        Meta meta = meta(attrs, DEFAULT_DIR_MODE);
        if (((Ext4Path) p.toAbsolutePath()).lastName() == null) {
            throw new FileAlreadyExistsException(p.toString());
        }
        fs.locked(() -> {
            Parent par = parent(fs, p);
            if (par.existing() >= 0) {
                throw new FileAlreadyExistsException(p.toString());
            }
            w.mkdir(par.dir(), par.name(), meta.perm(), meta.uid(), meta.gid());
            return null;
        });
    }

    static void mknod(Ext4FileSystem fs, Ext4Path p, int mode, int major, int minor, long uid, long gid)
            throws IOException {
        Writer w = fs.writer();
        fs.locked(() -> {
            Parent par = parent(fs, p);
            if (par.existing() >= 0) {
                throw new FileAlreadyExistsException(p.toString());
            }
            w.mknod(par.dir(), par.name(), mode, major, minor, uid, gid);
            return null;
        });
    }

    static void createSymbolicLink(Ext4FileSystem fs, Ext4Path link, Path target, FileAttribute<?>... attrs)
            throws IOException {
        Writer w = fs.writer();
        Meta meta = meta(attrs, 0777);
        byte[] t = Names.encode(target.toString());
        fs.locked(() -> {
            Parent par = parent(fs, link);
            if (par.existing() >= 0) {
                throw new FileAlreadyExistsException(link.toString());
            }
            w.symlink(par.dir(), par.name(), t, meta.uid(), meta.gid());
            return null;
        });
    }

    static void createLink(Ext4FileSystem fs, Ext4Path link, Ext4Path existing) throws IOException {
        Writer w = fs.writer();
        fs.locked(() -> {
            long target = fs.resolve(existing, false).ino();
            Parent par = parent(fs, link);
            if (par.existing() >= 0) {
                throw new FileAlreadyExistsException(link.toString());
            }
            w.link(par.dir(), par.name(), target);
            return null;
        });
    }

    static void delete(Ext4FileSystem fs, Ext4Path p) throws IOException {
        Writer w = fs.writer();
        fs.locked(() -> {
            Parent par = parent(fs, p);
            if (par.existing() < 0) {
                throw new NoSuchFileException(p.toString());
            }
            if (fs.engine().fs.inode(par.existing()).isDirectory()) {
                w.rmdir(par.dir(), par.name());
            } else {
                w.unlink(par.dir(), par.name());
            }
            return null;
        });
    }

    // ---- move and copy --------------------------------------------------------------------------

    private static boolean has(CopyOption[] options, CopyOption o) {
        for (CopyOption x : options) {
            if (x == o) {
                return true;
            }
        }
        return false;
    }

    static void move(Ext4FileSystem fs, Ext4Path src, Path target, CopyOption... options) throws IOException {
        boolean atomic = has(options, StandardCopyOption.ATOMIC_MOVE);
        boolean replace = has(options, StandardCopyOption.REPLACE_EXISTING) || atomic;
        if (!(target instanceof Ext4Path t) || t.getFileSystem() != fs) {
            if (atomic) {
                throw new AtomicMoveNotSupportedException(src.toString(), target.toString(), "different filesystems");
            }
            copy(fs, src, target, true, options);
            Files.delete(src);
            return;
        }
        Writer w = fs.writer();
        fs.locked(() -> {
            Parent from = parent(fs, src);
            if (from.existing() < 0) {
                throw new NoSuchFileException(src.toString());
            }
            Parent to = parent(fs, t);
            w.rename(from.dir(), from.name(), to.dir(), to.name(), replace);
            return null;
        });
    }

    /**
     * Copies a regular file (its bytes), a symbolic link (as a link, with NOFOLLOW_LINKS) or a
     * directory (empty) to {@code target}, in this or another filesystem.
     */
    static void copy(Ext4FileSystem fs, Ext4Path src, Path target, boolean forMove, CopyOption... options)
            throws IOException {
        boolean replace = has(options, StandardCopyOption.REPLACE_EXISTING);
        boolean attrs = has(options, StandardCopyOption.COPY_ATTRIBUTES) || forMove;
        LinkOption[] lo = has(options, LinkOption.NOFOLLOW_LINKS) || forMove
                ? new LinkOption[] {LinkOption.NOFOLLOW_LINKS} : new LinkOption[0];
        Ext4FileAttributes a = Files.readAttributes(src, Ext4FileAttributes.class, lo);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            if (!replace) {
                throw new FileAlreadyExistsException(target.toString());
            }
            try {
                Files.delete(target);
            } catch (DirectoryNotEmptyException e) {
                throw e;
            }
        }
        if (a.isSymbolicLink()) {
            Files.createSymbolicLink(target, Files.readSymbolicLink(src));
        } else if (a.isDirectory()) {
            Files.createDirectory(target);
        } else if (a.isRegularFile()) {
            try (SeekableByteChannel in = Files.newByteChannel(src);
                 SeekableByteChannel out = Files.newByteChannel(target, StandardOpenOption.WRITE,
                         StandardOpenOption.CREATE_NEW)) {
                ByteBuffer buf = ByteBuffer.allocate(1 << 20);
                while (in.read(buf) > 0) {
                    buf.flip();
                    while (buf.hasRemaining()) {
                        out.write(buf);
                    }
                    buf.clear();
                }
            }
        } else {
            throw new FileSystemException(src.toString(), target.toString(), "cannot copy a device, fifo or socket");
        }
        if (attrs) {
            LinkOption nf = LinkOption.NOFOLLOW_LINKS;
            if (target.getFileSystem().supportedFileAttributeViews().contains("posix") && !a.isSymbolicLink()) {
                Files.setPosixFilePermissions(target, a.permissions());
            }
            Files.getFileAttributeView(target, java.nio.file.attribute.BasicFileAttributeView.class, nf)
                    .setTimes(a.lastModifiedTime(), a.lastAccessTime(), null);
        }
    }

    // ---- attributes -----------------------------------------------------------------------------

    static void setAttribute(Ext4FileSystem fs, Ext4Path p, String attribute, Object value, boolean follow)
            throws IOException {
        String view = "basic";
        String name = attribute;
        int colon = attribute.indexOf(':');
        if (colon >= 0) {
            view = attribute.substring(0, colon);
            name = attribute.substring(colon + 1);
        }
        Writer w = fs.writer();
        final String v = view;
        final String n = name;
        fs.locked(() -> {
            long ino = fs.resolve(p, follow).ino();
            switch (v) {
                case "user" -> w.setXattr(ino, XattrNames.USER, n.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        value == null ? null : bytes(value));
                case "xattr" -> setXattr(w, ino, n, value == null ? null : bytes(value), false);
                case "basic", "posix", "owner", "unix", "ext4" -> setInodeAttribute(w, ino, v, n, value);
                default -> throw new UnsupportedOperationException("view '" + v + "' is not available");
            }
            return null;
        });
    }

    private static byte[] bytes(Object value) {
        if (value instanceof byte[] b) {
            return b;
        }
        if (value instanceof ByteBuffer bb) {
            byte[] b = new byte[bb.remaining()];
            bb.duplicate().get(b);
            return b;
        }
        throw new ClassCastException("an attribute value is a byte[] or ByteBuffer");
    }

    /**
     * Sets or (value null) removes an attribute by its full name. POSIX ACLs are given in the VFS
     * form (as setxattr takes them) and stored in ext4's form unless {@code raw}.
     */
    static void setXattr(Writer w, long ino, String fullName, byte[] value, boolean raw) throws IOException {
        Object[] split = XattrNames.split(fullName);
        if (split == null) {
            throw new UnsupportedOperationException("attribute '" + fullName + "' is in no known namespace");
        }
        int index = (Integer) split[0];
        byte[] suffix = (byte[]) split[1];
        byte[] v = value;
        if (v != null && !raw && (index == XattrNames.POSIX_ACL_ACCESS || index == XattrNames.POSIX_ACL_DEFAULT)) {
            PosixAcl acl = PosixAcl.parse(v, fullName);
            if (index == XattrNames.POSIX_ACL_ACCESS && aclAsMode(w, ino, acl)) {
                return;
            }
            v = acl.toDisk();
        }
        w.setXattr(ino, index, suffix, v);
    }

    /**
     * Setting an access ACL sets the mode's permission bits from it, as the kernel's
     * posix_acl_update_mode does (group bits from the mask when there is one); an ACL the mode
     * expresses entirely is not stored (any stored one is removed). Returns true when nothing is left
     * to store.
     */
    private static boolean aclAsMode(Writer w, long ino, PosixAcl acl) throws IOException {
        int user = -1;
        int group = -1;
        int mask = -1;
        int other = -1;
        boolean named = false;
        for (PosixAcl.Entry e : acl.entries()) {
            switch (e.tag()) {
                case PosixAcl.TAG_USER_OBJ -> user = e.perm() & 7;
                case PosixAcl.TAG_GROUP_OBJ -> group = e.perm() & 7;
                case PosixAcl.TAG_MASK -> mask = e.perm() & 7;
                case PosixAcl.TAG_OTHER -> other = e.perm() & 7;
                default -> named = true;
            }
        }
        if (user < 0 || group < 0 || other < 0) {
            throw new IllegalArgumentException("ACL without user, group or other entry");
        }
        int perm = user << 6 | (mask >= 0 ? mask : group) << 3 | other;
        w.update(ino, in -> in.setMode((in.mode() & ~0777) | perm), true);
        boolean equivalent = !named && mask < 0;
        if (equivalent) {
            w.removeXattrIfPresent(ino, XattrNames.POSIX_ACL_ACCESS, new byte[0]);
        }
        return equivalent;
    }

    private static void setInodeAttribute(Writer w, long ino, String view, String name, Object value)
            throws IOException {
        switch (name) {
            case "lastModifiedTime", "mtime" -> w.update(ino, in -> in.setMtime(instant(value)), true);
            case "lastAccessTime", "atime" -> w.update(ino, in -> in.setAtime(instant(value)), true);
            case "creationTime", "crtime" -> w.update(ino, in -> in.setCrtime(instant(value)), true);
            case "ctime" -> {
                if (!view.equals("ext4")) {
                    throw new IllegalArgumentException("'" + name + "' can be set only in the ext4 view");
                }
                w.update(ino, in -> in.setCtime(instant(value)), false);
            }
            case "permissions" -> {
                @SuppressWarnings("unchecked")
                int perm = bits((Set<PosixFilePermission>) value);
                w.update(ino, in -> in.setMode((in.mode() & Inode.S_IFMT) | perm), true);
            }
            case "mode" -> {
                int m = ((Number) value).intValue() & 07777;
                w.update(ino, in -> in.setMode((in.mode() & Inode.S_IFMT) | m), true);
            }
            case "owner" -> chown(w, ino, principalId(value), -1);
            case "group" -> chown(w, ino, -1, principalId(value));
            case "uid" -> chown(w, ino, ((Number) value).longValue() & 0xffffffffL, -1);
            case "gid" -> chown(w, ino, -1, ((Number) value).longValue() & 0xffffffffL);
            case "size" -> {
                if (!view.equals("ext4")) {
                    throw new IllegalArgumentException("'size' can be set only in the ext4 view (truncate or grow sparse)");
                }
                w.truncate(ino, ((Number) value).longValue());
            }
            case "flags" -> {
                if (!view.equals("ext4")) {
                    throw new IllegalArgumentException("'flags' is an ext4 attribute");
                }
                int settable = Inode.FL_SECRM | Inode.FL_UNRM | Inode.FL_SYNC | Inode.FL_IMMUTABLE | Inode.FL_APPEND
                        | Inode.FL_NODUMP | Inode.FL_NOATIME | Inode.FL_DIRSYNC | Inode.FL_TOPDIR | Inode.FL_NOTAIL
                        | Inode.FL_PROJINHERIT;
                int f = ((Number) value).intValue();
                if ((f & ~settable) != 0) {
                    throw new IllegalArgumentException(String.format("flags 0x%x cannot be set (settable: 0x%x)",
                            f & ~settable, settable));
                }
                w.update(ino, in -> in.setFlags((in.flags() & ~settable) | f), true);
            }
            default -> throw new IllegalArgumentException("'" + name + "' cannot be set in view " + view);
        }
    }

    /** chown(2) as Linux does it, also for root: a non-directory loses setuid, and setgid if group-executable. */
    static void chown(Writer w, long ino, long uid, long gid) throws IOException {
        w.update(ino, in -> {
            if (uid >= 0) {
                in.setUid(uid);
            }
            if (gid >= 0) {
                in.setGid(gid);
            }
            if (!in.isDirectory() && !in.isSymlink()) {
                int m = in.mode() & ~04000;
                if ((m & 02010) == 02010) {
                    m &= ~02000;
                }
                in.setMode(m);
            }
        }, true);
        // The kernel also drops file capabilities (ATTR_KILL_PRIV) of a non-directory.
        if (!w.isDirectory(ino)) {
            w.removeXattrIfPresent(ino, XattrNames.SECURITY, "capability".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    static Instant instant(Object v) {
        if (v instanceof FileTime t) {
            return t.toInstant();
        }
        if (v instanceof Instant i) {
            return i;
        }
        throw new ClassCastException("a time attribute is a FileTime");
    }

    static void setTimes(Ext4FileSystem fs, Ext4Path p, boolean follow, FileTime mtime, FileTime atime, FileTime crtime)
            throws IOException {
        Writer w = fs.writer();
        fs.locked(() -> {
            long ino = fs.resolve(p, follow).ino();
            w.update(ino, in -> {
                if (mtime != null) {
                    in.setMtime(mtime.toInstant());
                }
                if (atime != null) {
                    in.setAtime(atime.toInstant());
                }
                if (crtime != null) {
                    in.setCrtime(crtime.toInstant());
                }
            }, true);
            return null;
        });
    }

    static void setOwner(Ext4FileSystem fs, Ext4Path p, boolean follow, UserPrincipal user, GroupPrincipal group)
            throws IOException {
        Writer w = fs.writer();
        fs.locked(() -> {
            long ino = fs.resolve(p, follow).ino();
            chown(w, ino, user == null ? -1 : principalId(user), group == null ? -1 : principalId(group));
            return null;
        });
    }

    static void setPermissions(Ext4FileSystem fs, Ext4Path p, boolean follow, Set<PosixFilePermission> perms)
            throws IOException {
        Writer w = fs.writer();
        int bits = bits(perms);
        fs.locked(() -> {
            long ino = fs.resolve(p, follow).ino();
            w.update(ino, in -> in.setMode((in.mode() & Inode.S_IFMT) | bits), true);
            return null;
        });
    }
}
