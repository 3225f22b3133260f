package io.imgtool.ext4;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A deterministic stream of filesystem operations for the property and crash tests: create, write
 * at offsets, append, truncate (shrink and grow), delete, rename and move (replacing too), mkdir,
 * rmdir, recursive delete, hard links, symbolic links, chmod, chown and user xattrs. The generator
 * keeps its own picture of the tree, so the same seed gives the same operations on any
 * {@code java.nio.file} filesystem (imgtool's ext4, jimfs).
 */
final class RandomOps {

    /** One operation; {@link #apply} performs it under a root. */
    record Op(String kind, String a, String b, long n, long m, byte[] data) {
        @Override
        public String toString() {
            return kind + " " + a + (b == null ? "" : " " + b) + " " + n + " " + m + (data == null ? "" : " [" + data.length + "]");
        }
    }

    private final Random rnd;
    private final int maxXattr;
    private final TreeSet<String> dirs = new TreeSet<>(List.of("/"));
    private final TreeMap<String, Integer> files = new TreeMap<>(); // path -> file id (hard links share)
    private final TreeSet<String> links = new TreeSet<>();
    private final Map<Integer, Long> sizes = new HashMap<>();
    private final Map<Integer, Set<String>> xattrs = new HashMap<>();
    private int nextId;
    private int nameCounter;

    RandomOps(long seed, int maxXattr) {
        this.rnd = new Random(seed);
        this.maxXattr = maxXattr;
    }

    private <T> T pick(java.util.Collection<T> c) {
        int i = rnd.nextInt(c.size());
        for (T t : c) {
            if (i-- == 0) {
                return t;
            }
        }
        throw new IllegalStateException();
    }

    private String child(String dir) {
        String name = switch (rnd.nextInt(6)) {
            case 0 -> "n" + (nameCounter++);
            case 1 -> "file-" + (nameCounter++) + "-" + "q".repeat(rnd.nextInt(100));
            case 2 -> "ünï-" + (nameCounter++);
            case 3 -> "." + (nameCounter++);
            default -> "x" + (nameCounter++) + "_" + Integer.toHexString(rnd.nextInt());
        };
        return dir.equals("/") ? "/" + name : dir + "/" + name;
    }

    private boolean under(String p, String dir) {
        return p.startsWith(dir.equals("/") ? "/" : dir + "/");
    }

    private boolean isEmptyDir(String d) {
        for (String x : dirs.tailSet(d, false)) {
            if (under(x, d)) {
                return false;
            }
            break;
        }
        for (String x : files.tailMap(d, false).keySet()) {
            if (under(x, d)) {
                return false;
            }
            break;
        }
        for (String x : links.tailSet(d, false)) {
            if (under(x, d)) {
                return false;
            }
            break;
        }
        return true;
    }

    private byte[] data(int max) {
        int n = rnd.nextInt(10) == 0 ? rnd.nextInt(300_000) : rnd.nextInt(max + 1);
        byte[] b = new byte[n];
        if (rnd.nextBoolean()) {
            rnd.nextBytes(b);
        } else {
            java.util.Arrays.fill(b, (byte) ('a' + rnd.nextInt(26)));
        }
        return b;
    }

    /** The next operation, with the generator's picture updated as if it succeeded. */
    Op next() {
        while (true) {
            int k = rnd.nextInt(100);
            if (k < 14 || files.isEmpty()) {
                String p = child(pick(dirs));
                int id = nextId++;
                byte[] d = data(20_000);
                files.put(p, id);
                sizes.put(id, (long) d.length);
                return new Op("create", p, null, 0, 0, d);
            }
            if (k < 28) {
                String p = pick(files.keySet());
                int id = files.get(p);
                long size = sizes.get(id);
                long off = rnd.nextInt((int) Math.min(Integer.MAX_VALUE, size + 9000));
                byte[] d = data(12_000);
                sizes.put(id, Math.max(size, off + d.length));
                return new Op("write", p, null, off, 0, d);
            }
            if (k < 33) {
                String p = pick(files.keySet());
                int id = files.get(p);
                byte[] d = data(3000);
                sizes.put(id, sizes.get(id) + d.length);
                return new Op("append", p, null, 0, 0, d);
            }
            if (k < 41) {
                String p = pick(files.keySet());
                int id = files.get(p);
                long size = sizes.get(id);
                long to = rnd.nextInt(4) == 0 ? size + rnd.nextInt(70_000) : (size == 0 ? 0 : rnd.nextInt((int) size + 1));
                sizes.put(id, to);
                return new Op(to > size ? "grow" : "truncate", p, null, to, 0, null);
            }
            if (k < 50) {
                String p = pick(files.keySet());
                files.remove(p);
                return new Op("delete", p, null, 0, 0, null);
            }
            if (k < 58) {
                String p = pick(files.keySet());
                String to;
                boolean replace = false;
                if (rnd.nextInt(3) == 0 && files.size() > 1) {
                    to = pick(files.keySet());
                    if (to.equals(p) || files.get(to).equals(files.get(p))) {
                        continue;
                    }
                    replace = true;
                } else {
                    to = child(pick(dirs));
                }
                int id = files.remove(p);
                files.put(to, id);
                return new Op("rename", p, to, replace ? 1 : 0, 0, null);
            }
            if (k < 65) {
                String d = child(pick(dirs));
                dirs.add(d);
                return new Op("mkdir", d, null, 0, 0, null);
            }
            if (k < 69) {
                List<String> empty = new ArrayList<>();
                for (String d : dirs) {
                    if (!d.equals("/") && isEmptyDir(d)) {
                        empty.add(d);
                    }
                }
                if (empty.isEmpty()) {
                    continue;
                }
                String d = pick(empty);
                dirs.remove(d);
                return new Op("rmdir", d, null, 0, 0, null);
            }
            if (k < 72) {
                if (dirs.size() < 2) {
                    continue;
                }
                String d = pick(dirs);
                if (d.equals("/")) {
                    continue;
                }
                String parent = pick(dirs);
                if (parent.equals(d) || under(parent, d)) {
                    continue;
                }
                String to = child(parent);
                renameTree(d, to);
                return new Op("renamedir", d, to, 0, 0, null);
            }
            if (k < 74) {
                String d = pick(dirs);
                if (d.equals("/")) {
                    continue;
                }
                dirs.removeIf(x -> x.equals(d) || under(x, d));
                files.keySet().removeIf(x -> under(x, d));
                links.removeIf(x -> under(x, d));
                return new Op("rmtree", d, null, 0, 0, null);
            }
            if (k < 80) {
                String p = pick(files.keySet());
                String l = child(pick(dirs));
                files.put(l, files.get(p));
                return new Op("link", p, l, 0, 0, null);
            }
            if (k < 85) {
                String l = child(pick(dirs));
                int len = rnd.nextInt(4) == 0 ? 60 + rnd.nextInt(800) : 1 + rnd.nextInt(70);
                StringBuilder t = new StringBuilder();
                while (t.length() < len) {
                    t.append(rnd.nextBoolean() ? "../" : "target/");
                }
                t.setLength(len);
                links.add(l);
                return new Op("symlink", l, t.toString(), 0, 0, null);
            }
            if (k < 87 && !links.isEmpty()) {
                String l = pick(links);
                links.remove(l);
                return new Op("delete", l, null, 0, 0, null);
            }
            if (k < 91) {
                String p = rnd.nextInt(4) == 0 ? pick(dirs) : pick(files.keySet());
                return new Op("chmod", p, null, rnd.nextInt(01000), 0, null);
            }
            if (k < 93) {
                String p = pick(files.keySet());
                return new Op("chown", p, null, rnd.nextInt(3) * 1000, rnd.nextInt(2) * 100, null);
            }
            if (k < 100) {
                String p = pick(files.keySet());
                int id = files.get(p);
                Set<String> xs = xattrs.computeIfAbsent(id, x -> new TreeSet<>());
                if (!xs.isEmpty() && rnd.nextInt(3) == 0) {
                    String name = pick(xs);
                    xs.remove(name);
                    return new Op("rmxattr", p, name, 0, 0, null);
                }
                if (xs.size() >= 4) {
                    continue;
                }
                String name = "attr" + rnd.nextInt(6);
                xs.add(name);
                byte[] v = new byte[rnd.nextInt(maxXattr + 1)];
                rnd.nextBytes(v);
                return new Op("setxattr", p, name, 0, 0, v);
            }
        }
    }

    private void renameTree(String from, String to) {
        List<String> ds = new ArrayList<>();
        for (String d : dirs) {
            if (d.equals(from) || under(d, from)) {
                ds.add(d);
            }
        }
        for (String d : ds) {
            dirs.remove(d);
            dirs.add(to + d.substring(from.length()));
        }
        Map<String, Integer> moved = new TreeMap<>();
        files.entrySet().removeIf(e -> {
            if (under(e.getKey(), from)) {
                moved.put(to + e.getKey().substring(from.length()), e.getValue());
                return true;
            }
            return false;
        });
        files.putAll(moved);
        List<String> ls = new ArrayList<>();
        links.removeIf(l -> {
            if (under(l, from)) {
                ls.add(to + l.substring(from.length()));
                return true;
            }
            return false;
        });
        links.addAll(ls);
    }

    /** Performs {@code op} under {@code root}. */
    static void apply(Op op, Path root) throws IOException {
        Path a = root.resolve(op.a().substring(1));
        LinkOption nf = LinkOption.NOFOLLOW_LINKS;
        switch (op.kind()) {
            case "create" -> {
                try (SeekableByteChannel ch = Files.newByteChannel(a, Set.of(StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(perms(0644)))) {
                    ByteBuffer b = ByteBuffer.wrap(op.data());
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                }
            }
            case "write" -> {
                try (SeekableByteChannel ch = Files.newByteChannel(a, StandardOpenOption.WRITE, nf)) {
                    ch.position(op.n());
                    ByteBuffer b = ByteBuffer.wrap(op.data());
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                }
            }
            case "append" -> Files.write(a, op.data(), StandardOpenOption.APPEND);
            case "truncate" -> {
                try (SeekableByteChannel ch = Files.newByteChannel(a, StandardOpenOption.WRITE, nf)) {
                    ch.truncate(op.n());
                }
            }
            case "grow" -> {
                try (SeekableByteChannel ch = Files.newByteChannel(a, StandardOpenOption.WRITE, nf)) {
                    if (op.n() > ch.size()) {
                        ch.position(op.n() - 1);
                        ch.write(ByteBuffer.wrap(new byte[1]));
                    }
                }
            }
            case "delete", "rmdir" -> Files.delete(a);
            case "rename", "renamedir" -> {
                Path b = root.resolve(op.b().substring(1));
                if (op.n() == 1) {
                    Files.move(a, b, StandardCopyOption.REPLACE_EXISTING);
                } else {
                    Files.move(a, b);
                }
            }
            case "mkdir" -> Files.createDirectory(a, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(perms(0755)));
            case "rmtree" -> WriteScenario.deleteTree(a);
            case "link" -> Files.createLink(root.resolve(op.b().substring(1)), a);
            case "symlink" -> Files.createSymbolicLink(a, a.getFileSystem().getPath(op.b()));
            case "chmod" -> Files.setPosixFilePermissions(a, perms((int) op.n()));
            case "chown" -> {
                var lookup = a.getFileSystem().getUserPrincipalLookupService();
                var v = Files.getFileAttributeView(a, java.nio.file.attribute.PosixFileAttributeView.class, nf);
                v.setOwner(lookup.lookupPrincipalByName(Long.toString(op.n())));
                v.setGroup(lookup.lookupPrincipalByGroupName(Long.toString(op.m())));
            }
            case "setxattr" -> Files.getFileAttributeView(a, UserDefinedFileAttributeView.class)
                    .write(op.b(), ByteBuffer.wrap(op.data()));
            case "rmxattr" -> Files.getFileAttributeView(a, UserDefinedFileAttributeView.class).delete(op.b());
            default -> throw new IllegalArgumentException(op.kind());
        }
    }

    static Set<PosixFilePermission> perms(int mode) {
        Set<PosixFilePermission> s = java.util.EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] all = PosixFilePermission.values();
        for (int i = 0; i < 9; i++) {
            if ((mode & (0400 >> i)) != 0) {
                s.add(all[i]);
            }
        }
        return s;
    }

    /**
     * A comparable picture of a tree on any filesystem with the posix and user views: per path the
     * type, permissions, owner names, size, content digest, link target, user xattrs, and which paths
     * are hard links of each other.
     */
    static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Map<Object, List<String>> byKey = new HashMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                String rel = "/" + root.relativize(dir);
                if (rel.equals("/lost+found")) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                visit(dir, rel);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                visit(file, "/" + root.relativize(file));
                return FileVisitResult.CONTINUE;
            }

            private void visit(Path p, String rel) throws IOException {
                PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                StringBuilder sb = new StringBuilder();
                if (a.isSymbolicLink()) {
                    sb.append("link -> ").append(Files.readSymbolicLink(p));
                } else if (a.isDirectory()) {
                    sb.append("dir ").append(bits(a.permissions()));
                } else {
                    sb.append("file ").append(bits(a.permissions())).append(' ').append(a.owner().getName()).append(':')
                            .append(a.group().getName()).append(' ').append(a.size()).append(' ').append(sha(p));
                    UserDefinedFileAttributeView u = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
                    Map<String, String> xs = new TreeMap<>();
                    for (String n : u.list()) {
                        ByteBuffer b = ByteBuffer.allocate(u.size(n));
                        u.read(n, b);
                        xs.put(n, HexFormat.of().formatHex(b.array(), 0, b.position()));
                    }
                    sb.append(' ').append(xs);
                    byKey.computeIfAbsent(a.fileKey(), k -> new ArrayList<>()).add(rel);
                }
                out.put(rel, sb.toString());
            }
        });
        for (List<String> group : byKey.values()) {
            if (group.size() > 1) {
                group.sort(null);
                for (String p : group) {
                    out.put(p, out.get(p) + " links=" + group);
                }
            }
        }
        return out;
    }

    private static String bits(Set<PosixFilePermission> p) {
        int m = 0;
        for (PosixFilePermission x : p) {
            m |= 0400 >> x.ordinal();
        }
        return String.format("%03o", m);
    }

    private static String sha(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
