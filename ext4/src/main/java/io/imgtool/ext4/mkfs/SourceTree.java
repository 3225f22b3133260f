package io.imgtool.ext4.mkfs;

import io.imgtool.core.ImageException;
import io.imgtool.core.Owners;
import io.imgtool.ext4.internal.Names;
import io.imgtool.ext4.nio.Ext4XattrView;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Scans a {@code java.nio.file} tree (a host directory, jimfs, an imgtool ext4 filesystem) into
 * {@link Node}s: types, modes, owners, times, sizes, link targets, device numbers, extended
 * attributes and hard-link groups (by file key). Symbolic links are never followed. Directory
 * entries are sorted by name bytes, so the image does not depend on the order a directory lists in.
 */
final class SourceTree {

    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

    private final XattrSource xattrs;
    private final Map<Object, Node> byKey = new HashMap<>();
    private final Path root;
    int inodes;
    int dirs;
    long dataBytes;
    long maxMtime = Long.MIN_VALUE;
    final List<String> skipped = new ArrayList<>();

    private SourceTree(Path root, XattrSource xattrs) {
        this.root = root;
        this.xattrs = xattrs;
    }

    /** Scans the tree under {@code root} (a directory); returns the root node. */
    static SourceTree scan(Path root, XattrSource xattrs, Node rootNode) throws IOException {
        SourceTree t = new SourceTree(root, xattrs);
        BasicFileAttributes ba = Files.readAttributes(root, BasicFileAttributes.class);
        if (!ba.isDirectory()) {
            throw ImageException.invalidArgument(root + " is not a directory");
        }
        rootNode.path = root;
        t.apply(rootNode, t.read(root, ""), "");
        t.walk(rootNode, "");
        return t;
    }

    private void walk(Node dir, String rel) throws IOException {
        List<Node> kids = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.path)) {
            for (Path p : ds) {
                byte[] name = Names.encode(p.getFileName().toString());
                if (name.length == 0 || name.length > 255) {
                    throw ImageException.invalidArgument("file name of " + name.length + " bytes (ext4 allows 1..255): " + p);
                }
                kids.add(new Node(p, name, dir));
            }
        }
        kids.sort((a, b) -> Arrays.compareUnsigned(a.name, b.name));
        String[] rels = new String[kids.size()];
        for (int i = 0; i < rels.length; i++) {
            String nm = new String(kids.get(i).name, java.nio.charset.StandardCharsets.UTF_8);
            rels[i] = rel.isEmpty() ? nm : rel + "/" + nm;
        }
        Read[] reads = readAll(kids, rels);
        for (int i = 0; i < rels.length; i++) {
            Node k = kids.get(i);
            String r = rels[i];
            if (!apply(k, reads[i], r)) {
                continue;
            }
            dir.children().add(k);
            if (k.linkOf == null && k.isDir()) {
                dir.subdirs++;
                walk(k, r);
            }
        }
    }

    /** What one source file holds, read without side effects (so children can be read in parallel). */
    private record Read(int type, int perm, boolean hasUnix, long uid, long gid, long nlink, long rdev, FileTime mtime,
                        FileTime atime, FileTime ctime, long size, Object key, byte[] link, Map<String, byte[]> xattrs,
                        String problem) {
    }

    private static final String UNIX_ATTRS = "unix:mode,uid,gid,nlink,rdev,ctime,lastModifiedTime,lastAccessTime,"
            + "size,fileKey,isDirectory,isSymbolicLink,isRegularFile";
    /** Other filesystems (jimfs) also give the owner principals, whose names may carry the numeric ids. */
    private static final String UNIX_ATTRS_OWNERS = UNIX_ATTRS + ",owner,group";

    private Read read(Path p, String rel) throws IOException {
        Map<String, Object> unix;
        try {
            unix = Files.readAttributes(p, p.getFileSystem() == java.nio.file.FileSystems.getDefault()
                    ? UNIX_ATTRS : UNIX_ATTRS_OWNERS, NOFOLLOW);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            unix = null;
        } catch (NoSuchFileException e) {
            return new Read(0, 0, false, 0, 0, 0, 0, null, null, null, 0, null, null, null, "vanished during the scan");
        }
        boolean isDir;
        boolean isLink;
        boolean isReg;
        FileTime mt;
        FileTime at;
        long size;
        Object key;
        if (unix != null) {
            isDir = Boolean.TRUE.equals(unix.get("isDirectory"));
            isLink = Boolean.TRUE.equals(unix.get("isSymbolicLink"));
            isReg = Boolean.TRUE.equals(unix.get("isRegularFile"));
            mt = (FileTime) unix.get("lastModifiedTime");
            at = (FileTime) unix.get("lastAccessTime");
            size = ((Number) unix.get("size")).longValue();
            key = unix.get("fileKey");
        } else {
            BasicFileAttributes ba;
            try {
                ba = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
            } catch (NoSuchFileException e) {
                return new Read(0, 0, false, 0, 0, 0, 0, null, null, null, 0, null, null, null, "vanished during the scan");
            }
            isDir = ba.isDirectory();
            isLink = ba.isSymbolicLink();
            isReg = ba.isRegularFile();
            mt = ba.lastModifiedTime();
            at = ba.lastAccessTime();
            size = ba.size();
            key = ba.fileKey();
        }
        int type;
        if (isDir) {
            type = 0x4000;
        } else if (isLink) {
            type = 0xA000;
        } else if (isReg) {
            type = 0x8000;
        } else if (unix != null && unix.get("mode") instanceof Integer m && (m & 0xF000) != 0) {
            type = m & 0xF000;
        } else {
            return new Read(0, 0, false, 0, 0, 0, 0, null, null, null, 0, null, null, null,
                    "special file whose type the source filesystem does not tell");
        }
        // Symbolic links are 0777 on Linux whatever the source says (jimfs gives them its file default).
        int perm = type == 0xA000 ? 0777
                : unix != null && unix.get("mode") instanceof Integer m ? m & 07777 : posixPerms(p, type);
        long uid = unix != null ? id(unix.get("owner"), unix.getOrDefault("uid", 0)) : 0;
        long gid = unix != null ? id(unix.get("group"), unix.getOrDefault("gid", 0)) : 0;
        long nlink = unix != null && unix.get("nlink") instanceof Number x ? x.longValue() : 2;
        long rdev = unix != null && unix.get("rdev") instanceof Number r ? r.longValue() : 0;
        FileTime ct = unix != null && unix.get("ctime") instanceof FileTime c ? c : mt;
        byte[] link = type == 0xA000 ? Names.encode(Files.readSymbolicLink(p).toString()) : null;
        Map<String, byte[]> x = xattrs.read(p, rel);
        return new Read(type, perm, unix != null, uid, gid, nlink, rdev, mt, at, ct, size, key, link, x, null);
    }

    /**
     * A numeric owner: the principal's name when it is a number (a host user without a passwd
     * entry, or a jimfs tree whose owners were set by numeric name; jimfs's own uid is a counter),
     * else the view's id.
     */
    private static long id(Object principal, Object viewId) {
        long named = principal instanceof java.security.Principal pr ? Owners.numericId(pr.getName()) : -1;
        return named >= 0 ? named : ((Number) viewId).longValue() & 0xFFFFFFFFL;
    }

    /** Applies what was read to {@code n}; false when the file is left out. Runs in tree order. */
    private boolean apply(Node n, Read r, String rel) throws IOException {
        if (r.problem != null) {
            skipped.add(rel + ": " + r.problem);
            return false;
        }
        int type = r.type;
        if (type != 0x4000 && r.key != null && r.nlink > 1) {
            Node first = byKey.get(r.key);
            if (first != null) {
                n.linkOf = first;
                n.mode = first.mode;
                first.names++;
                return true;
            }
            byKey.put(r.key, n);
        }
        n.mode = type | r.perm;
        n.uid = r.uid;
        n.gid = r.gid;
        if (type == 0x2000 || type == 0x6000) {
            long rdev = r.rdev;
            n.rdevMajor = (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & 0xfffff000L));
            n.rdevMinor = (int) ((rdev & 0xff) | ((rdev >>> 12) & 0xffffff00L));
        }
        n.mtimeSec = r.mtime.toInstant().getEpochSecond();
        n.mtimeNs = r.mtime.toInstant().getNano();
        n.atimeSec = r.atime.toInstant().getEpochSecond();
        n.atimeNs = r.atime.toInstant().getNano();
        n.ctimeSec = r.ctime.toInstant().getEpochSecond();
        n.ctimeNs = r.ctime.toInstant().getNano();
        maxMtime = Math.max(maxMtime, n.mtimeSec);
        if (type == 0x8000) {
            n.size = r.size;
            dataBytes += n.size;
        } else if (type == 0xA000) {
            n.linkTarget = r.link;
            if (n.linkTarget.length == 0 || n.linkTarget.length >= 4096) {
                throw ImageException.invalidArgument("symbolic link target of " + n.linkTarget.length
                        + " bytes (1..4095 allowed): " + n.path);
            }
            n.size = n.linkTarget.length;
        }
        if (r.xattrs != null && !r.xattrs.isEmpty()) {
            n.xattrs = new TreeMap<>(r.xattrs);
        }
        inodes++;
        if (type == 0x4000) {
            dirs++;
        }
        return true;
    }

    /** Reads the children's attributes, in parallel for big directories (stat and xattr calls dominate a scan). */
    private Read[] readAll(List<Node> kids, String[] rels) throws IOException {
        Read[] out = new Read[kids.size()];
        if (kids.size() < 16) {
            for (int i = 0; i < out.length; i++) {
                out[i] = read(kids.get(i).path, rels[i]);
            }
            return out;
        }
        try {
            java.util.stream.IntStream.range(0, out.length).parallel().forEach(i -> {
                try {
                    out[i] = read(kids.get(i).path, rels[i]);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        return out;
    }

    private static int posixPerms(Path p, int type) throws IOException {
        try {
            Set<PosixFilePermission> s = Files.getPosixFilePermissions(p, NOFOLLOW);
            int m = 0;
            for (PosixFilePermission x : s) {
                m |= 1 << (8 - x.ordinal());
            }
            return m;
        } catch (UnsupportedOperationException e) {
            return type == 0x4000 ? 0755 : type == 0xA000 ? 0777 : 0644;
        }
    }

    /** The default {@link XattrSource}: see {@link XattrSource#fromFileSystem()}. */
    static Map<String, byte[]> defaultXattrs(Path file, String relative) throws IOException {
        Ext4XattrView ev = Files.getFileAttributeView(file, Ext4XattrView.class, NOFOLLOW);
        if (ev != null) {
            return ev.readAll();
        }
        // The JDK opens the file to read its attributes: never a fifo (that would block) or a device.
        if (!Files.isRegularFile(file, NOFOLLOW) && !Files.isDirectory(file, NOFOLLOW)) {
            return Map.of();
        }
        UserDefinedFileAttributeView uv = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class, NOFOLLOW);
        if (uv == null) {
            return Map.of();
        }
        Map<String, byte[]> out = new TreeMap<>();
        try {
            for (String name : uv.list()) {
                ByteBuffer b = ByteBuffer.allocate(uv.size(name));
                uv.read(name, b);
                out.put("user." + name, Arrays.copyOf(b.array(), b.position()));
            }
        } catch (UnsupportedOperationException | IOException e) {
            // A filesystem without user xattrs (or none readable): nothing to copy.
            return out;
        }
        return out;
    }
}
