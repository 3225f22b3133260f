package io.imgtool.ext4.nio;

import io.imgtool.ext4.internal.FsContext;
import io.imgtool.ext4.ondisk.Inode;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@link Ext4FileAttributes} of one inode, decoded once. */
final class Ext4Attributes implements Ext4FileAttributes {

    private final long ino;
    private final int mode;
    private final long uid;
    private final long gid;
    private final int links;
    private final long size;
    private final long blocks;
    private final Instant atime;
    private final Instant mtime;
    private final Instant ctime;
    private final Instant crtime;
    private final int flags;
    private final long generation;
    private final int major;
    private final int minor;
    private final long projid;

    Ext4Attributes(FsContext fs, long ino, Inode inode) {
        this.ino = ino;
        this.mode = inode.mode();
        this.uid = inode.uid();
        this.gid = inode.gid();
        this.links = inode.linksCount();
        int t = inode.fileType();
        this.size = (t == Inode.S_IFREG || t == Inode.S_IFDIR || t == Inode.S_IFLNK) ? inode.size64() : 0;
        this.blocks = inode.blocks512(fs.hugeFile, fs.geo.blockSize);
        this.atime = inode.atime();
        this.mtime = inode.mtime();
        this.ctime = inode.ctime();
        this.crtime = inode.crtime();
        this.flags = inode.flags();
        this.generation = inode.generation();
        if (t == Inode.S_IFCHR || t == Inode.S_IFBLK) {
            int[] d = inode.device();
            major = d[0];
            minor = d[1];
        } else {
            major = 0;
            minor = 0;
        }
        this.projid = inode.projectId();
    }

    private int type() {
        return mode & Inode.S_IFMT;
    }

    @Override
    public long inode() {
        return ino;
    }

    @Override
    public int mode() {
        return mode;
    }

    @Override
    public long uid() {
        return uid;
    }

    @Override
    public long gid() {
        return gid;
    }

    @Override
    public int linkCount() {
        return links;
    }

    @Override
    public FileTime changeTime() {
        return FileTime.from(ctime);
    }

    @Override
    public Optional<FileTime> birthTime() {
        return Optional.ofNullable(crtime).map(FileTime::from);
    }

    @Override
    public int flags() {
        return flags;
    }

    @Override
    public long generation() {
        return generation;
    }

    @Override
    public long blocks() {
        return blocks;
    }

    @Override
    public int deviceMajor() {
        return major;
    }

    @Override
    public int deviceMinor() {
        return minor;
    }

    @Override
    public long projectId() {
        return projid;
    }

    @Override
    public boolean isEncrypted() {
        return (flags & Inode.FL_ENCRYPT) != 0;
    }

    @Override
    public boolean isCasefolded() {
        return (flags & Inode.FL_CASEFOLD) != 0;
    }

    @Override
    public boolean isInline() {
        return (flags & Inode.FL_INLINE_DATA) != 0;
    }

    @Override
    public boolean isFifo() {
        return type() == Inode.S_IFIFO;
    }

    @Override
    public boolean isSocket() {
        return type() == Inode.S_IFSOCK;
    }

    @Override
    public boolean isCharacterDevice() {
        return type() == Inode.S_IFCHR;
    }

    @Override
    public boolean isBlockDevice() {
        return type() == Inode.S_IFBLK;
    }

    @Override
    public UserPrincipal owner() {
        return new NumericPrincipal.User(uid);
    }

    @Override
    public GroupPrincipal group() {
        return new NumericPrincipal.Group(gid);
    }

    @Override
    public Set<PosixFilePermission> permissions() {
        return permissions(mode);
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] all = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE
        for (int i = 0; i < 9; i++) {
            if ((mode & (0400 >> i)) != 0) {
                s.add(all[i]);
            }
        }
        return s;
    }

    @Override
    public FileTime lastModifiedTime() {
        return FileTime.from(mtime);
    }

    @Override
    public FileTime lastAccessTime() {
        return FileTime.from(atime);
    }

    @Override
    public FileTime creationTime() {
        return FileTime.from(crtime != null ? crtime : mtime);
    }

    @Override
    public boolean isRegularFile() {
        return type() == Inode.S_IFREG;
    }

    @Override
    public boolean isDirectory() {
        return type() == Inode.S_IFDIR;
    }

    @Override
    public boolean isSymbolicLink() {
        return type() == Inode.S_IFLNK;
    }

    @Override
    public boolean isOther() {
        return !isRegularFile() && !isDirectory() && !isSymbolicLink();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public Object fileKey() {
        return ino;
    }

    /** dev_t as glibc's makedev encodes it (what the JDK's "unix:rdev" reports). */
    static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    /** Attributes by name for {@code readAttributes(path, "view:...")}. */
    Map<String, Object> asMap(String view) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lastModifiedTime", lastModifiedTime());
        m.put("lastAccessTime", lastAccessTime());
        m.put("creationTime", creationTime());
        m.put("size", size);
        m.put("isRegularFile", isRegularFile());
        m.put("isDirectory", isDirectory());
        m.put("isSymbolicLink", isSymbolicLink());
        m.put("isOther", isOther());
        m.put("fileKey", fileKey());
        if (view.equals("basic")) {
            return m;
        }
        if (view.equals("owner")) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("owner", owner());
            return o;
        }
        m.put("owner", owner());
        m.put("group", group());
        m.put("permissions", permissions());
        if (view.equals("posix")) {
            return m;
        }
        long rdev = makedev(major, minor);
        if (view.equals("unix")) {
            m.put("mode", mode);
            m.put("ino", ino);
            m.put("dev", 0L);
            m.put("rdev", rdev);
            m.put("nlink", links);
            m.put("uid", (int) uid);
            m.put("gid", (int) gid);
            m.put("ctime", changeTime());
            return m;
        }
        m.put("inode", ino);
        m.put("mode", mode);
        m.put("uid", uid);
        m.put("gid", gid);
        m.put("nlink", links);
        m.put("blocks", blocks);
        m.put("atime", lastAccessTime());
        m.put("mtime", lastModifiedTime());
        m.put("ctime", changeTime());
        m.put("crtime", birthTime().orElse(null));
        m.put("flags", flags);
        m.put("generation", generation);
        m.put("rdev", rdev);
        m.put("projid", projid);
        return m;
    }
}
