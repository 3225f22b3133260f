package io.imgtool.ext4.mkfs;

import io.imgtool.core.ImageException;
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
        t.fill(rootNode, "");
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
        for (Node k : kids) {
            String r = rel.isEmpty() ? new String(k.name, java.nio.charset.StandardCharsets.UTF_8)
                    : rel + "/" + new String(k.name, java.nio.charset.StandardCharsets.UTF_8);
            if (!fill(k, r)) {
                continue;
            }
            dir.children().add(k);
            if (k.linkOf == null && k.isDir()) {
                dir.subdirs++;
                walk(k, r);
            }
        }
    }

    /** Reads the attributes of {@code n}; false when the file vanished or has no type ext4 can hold. */
    private boolean fill(Node n, String rel) throws IOException {
        Path p = n.path;
        BasicFileAttributes ba;
        try {
            ba = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
        } catch (NoSuchFileException e) {
            skipped.add(rel + ": vanished during the scan");
            return false;
        }
        Map<String, Object> unix = attributes(p, "unix:*");
        int type;
        if (ba.isDirectory()) {
            type = 0x4000;
        } else if (ba.isSymbolicLink()) {
            type = 0xA000;
        } else if (ba.isRegularFile()) {
            type = 0x8000;
        } else if (unix != null && unix.get("mode") instanceof Integer m && (m & 0xF000) != 0) {
            type = m & 0xF000;
        } else {
            skipped.add(rel + ": special file whose type the source filesystem does not tell");
            return false;
        }
        Object key = ba.fileKey();
        if (type != 0x4000 && key != null) {
            long nlink = unix != null && unix.get("nlink") instanceof Number x ? x.longValue() : 2;
            if (nlink > 1) {
                Node first = byKey.get(key);
                if (first != null) {
                    n.linkOf = first;
                    n.mode = first.mode;
                    first.names++;
                    return true;
                }
                byKey.put(key, n);
            }
        }
        int perm;
        if (unix != null && unix.get("mode") instanceof Integer m) {
            perm = m & 07777;
        } else {
            perm = posixPerms(p, type);
        }
        n.mode = type | perm;
        if (unix != null) {
            n.uid = ((Number) unix.getOrDefault("uid", 0)).longValue() & 0xFFFFFFFFL;
            n.gid = ((Number) unix.getOrDefault("gid", 0)).longValue() & 0xFFFFFFFFL;
            if (unix.get("rdev") instanceof Long rdev && (type == 0x2000 || type == 0x6000)) {
                n.rdevMajor = (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & 0xfffff000L));
                n.rdevMinor = (int) ((rdev & 0xff) | ((rdev >>> 12) & 0xffffff00L));
            }
        }
        FileTime mt = ba.lastModifiedTime();
        FileTime at = ba.lastAccessTime();
        FileTime ct = unix != null && unix.get("ctime") instanceof FileTime c ? c : mt;
        n.mtimeSec = mt.toInstant().getEpochSecond();
        n.mtimeNs = mt.toInstant().getNano();
        n.atimeSec = at.toInstant().getEpochSecond();
        n.atimeNs = at.toInstant().getNano();
        n.ctimeSec = ct.toInstant().getEpochSecond();
        n.ctimeNs = ct.toInstant().getNano();
        maxMtime = Math.max(maxMtime, n.mtimeSec);
        if (type == 0x8000) {
            n.size = ba.size();
            dataBytes += n.size;
        } else if (type == 0xA000) {
            n.linkTarget = Names.encode(Files.readSymbolicLink(p).toString());
            if (n.linkTarget.length == 0 || n.linkTarget.length >= 4096) {
                throw ImageException.invalidArgument("symbolic link target of " + n.linkTarget.length
                        + " bytes (1..4095 allowed): " + p);
            }
            n.size = n.linkTarget.length;
        }
        Map<String, byte[]> x = xattrs.read(p, rel);
        if (x != null && !x.isEmpty()) {
            n.xattrs = new TreeMap<>(x);
        }
        inodes++;
        if (type == 0x4000) {
            dirs++;
        }
        return true;
    }

    private static Map<String, Object> attributes(Path p, String what) throws IOException {
        try {
            return Files.readAttributes(p, what, NOFOLLOW);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
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
