package io.imgtool.testdata;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A comparable description of a directory tree in any {@code java.nio.file} filesystem that offers the
 * "unix" attribute view (the default Linux filesystem, imgtool's ext4): per relative path the type,
 * mode, owner, size, content digest, link target, device number, mtime seconds, extended attributes
 * and which other paths are hard links of it. Two snapshots are equal when the trees are.
 */
public final class TreeSnapshot {

    /** One file. Hex strings for digests and xattr values, so failures print readably. */
    public record Node(char type, int mode, int uid, int gid, long size, String sha256, String link, long rdev,
                       long mtimeSeconds, Map<String, String> xattrs, List<String> hardLinks) {
    }

    private TreeSnapshot() {
    }

    /**
     * Snapshots the tree under {@code root}.
     *
     * @param xattrs reads a file's extended attributes (full name to value), or null to leave them out
     * @param withMtime whether to include mtime seconds
     */
    public static Map<String, Node> of(Path root, Function<Path, Map<String, byte[]>> xattrs, boolean withMtime)
            throws IOException {
        Map<String, Node> out = new TreeMap<>();
        Map<Object, List<String>> byInode = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        Map<String, Object> keyOf = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                visit(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                visit(file);
                return FileVisitResult.CONTINUE;
            }

            private void visit(Path p) throws IOException {
                String rel = "/" + root.relativize(p).toString().replace('\\', '/');
                if (rel.equals("/")) {
                    rel = "/";
                }
                Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
                int mode = ((Number) a.get("mode")).intValue();
                char type = switch (mode & 0170000) {
                    case 0100000 -> 'f';
                    case 0040000 -> 'd';
                    case 0120000 -> 'l';
                    case 0020000 -> 'c';
                    case 0060000 -> 'b';
                    case 0010000 -> 'p';
                    case 0140000 -> 's';
                    default -> '?';
                };
                long size = type == 'f' || type == 'l' ? ((Number) a.get("size")).longValue() : 0;
                String digest = type == 'f' ? sha256(p) : null;
                String link = type == 'l' ? Files.readSymbolicLink(p).toString() : null;
                long rdev = type == 'c' || type == 'b' ? ((Number) a.get("rdev")).longValue() : 0;
                long mtime = withMtime && type != 'd' ? ((java.nio.file.attribute.FileTime) a.get("lastModifiedTime"))
                        .toInstant().getEpochSecond() : 0;
                Map<String, String> xa = new TreeMap<>();
                if (xattrs != null) {
                    xattrs.apply(p).forEach((k, v) -> xa.put(k, HexFormat.of().formatHex(v)));
                }
                out.put(rel, new Node(type, mode & 07777, ((Number) a.get("uid")).intValue(),
                        ((Number) a.get("gid")).intValue(), size, digest, link, rdev, mtime, xa, List.of()));
                int nlink = ((Number) a.get("nlink")).intValue();
                if (type != 'd' && nlink > 1) {
                    Object key = a.get("ino");
                    byInode.computeIfAbsent(key, k -> new ArrayList<>()).add(rel);
                    keyOf.put(rel, key);
                }
            }
        });
        for (Map.Entry<String, Object> e : keyOf.entrySet()) {
            List<String> group = new ArrayList<>(byInode.get(e.getValue()));
            group.sort(null);
            Node n = out.get(e.getKey());
            out.put(e.getKey(), new Node(n.type(), n.mode(), n.uid(), n.gid(), n.size(), n.sha256(), n.link(), n.rdev(),
                    n.mtimeSeconds(), n.xattrs(), List.copyOf(group)));
        }
        return out;
    }

    public static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Lines describing how two snapshots differ (empty when equal). */
    public static List<String> diff(Map<String, Node> expected, Map<String, Node> actual) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Node> e : expected.entrySet()) {
            Node a = actual.get(e.getKey());
            if (a == null) {
                out.add("missing: " + e.getKey());
            } else if (!Objects.equals(e.getValue(), a)) {
                out.add("differs: " + e.getKey() + "\n   expected " + e.getValue() + "\n   actual   " + a);
            }
        }
        for (String k : actual.keySet()) {
            if (!expected.containsKey(k)) {
                out.add("unexpected: " + k);
            }
        }
        return out;
    }

    /**
     * Extended attributes of a host file as {@code getfattr -h -d -m - -e hex} shows them (all
     * namespaces the kernel lists: user, trusted, security, system.posix_acl_*).
     */
    public static Map<String, byte[]> hostXattrs(Path p) {
        Map<String, byte[]> out = new TreeMap<>();
        ReferenceTools.Result r = ReferenceTools.run("getfattr", "-h", "-d", "-m", "-", "-e", "hex",
                "--absolute-names", p.toString());
        for (String line : r.stdout().split("\n")) {
            int eq = line.indexOf('=');
            if (line.startsWith("#") || eq < 0) {
                continue;
            }
            String name = line.substring(0, eq);
            String v = line.substring(eq + 1);
            out.put(name, v.startsWith("0x") ? HexFormat.of().parseHex(v.substring(2)) : new byte[0]);
        }
        return out;
    }

    /**
     * Extended attributes of every file under {@code root} in one {@code getfattr -R} run: absolute
     * path to (name to value). Files without attributes are absent.
     */
    public static Map<String, Map<String, byte[]>> hostXattrsTree(Path root) {
        Map<String, Map<String, byte[]>> out = new TreeMap<>();
        ReferenceTools.Result r = ReferenceTools.run("getfattr", "-R", "-h", "-d", "-m", "-", "-e", "hex",
                "--absolute-names", root.toAbsolutePath().toString());
        Map<String, byte[]> cur = null;
        for (String line : r.stdout().split("\n")) {
            if (line.startsWith("# file: ")) {
                cur = new TreeMap<>();
                out.put(unescape(line.substring(8)), cur);
                continue;
            }
            int eq = line.indexOf('=');
            if (cur == null || eq < 0) {
                continue;
            }
            String v = line.substring(eq + 1);
            cur.put(line.substring(0, eq), v.startsWith("0x") ? HexFormat.of().parseHex(v.substring(2)) : new byte[0]);
        }
        return out;
    }

    /** Undoes getfattr's octal escapes ("\303\274", "\\") and decodes UTF-8. */
    static String unescape(String s) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        byte[] in = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '\\' && i + 3 < in.length
                    && isOctal(in, i + 1) && isOctal(in, i + 2) && isOctal(in, i + 3)) {
                b.write((in[i + 1] - '0') * 64 + (in[i + 2] - '0') * 8 + (in[i + 3] - '0'));
                i += 3;
            } else if (in[i] == '\\' && i + 1 < in.length && in[i + 1] == '\\') {
                b.write('\\');
                i++;
            } else {
                b.write(in[i]);
            }
        }
        return b.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static boolean isOctal(byte[] b, int i) {
        return i < b.length && b[i] >= '0' && b[i] <= '7';
    }
}
