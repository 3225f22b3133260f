package io.imgtool.testdata;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * A listing of a guest tree below a root, without following any link: for each guest path its type
 * and, for files, size and SHA-256, for links the target, plus mode and owner. Two listings compare
 * equal exactly when no byte, link, mode or owner differs, which is what the dry-run tests assert.
 */
public final class GuestTree {

    /** One entry: type ('f' file, 'd' directory, 'l' link, 'o' other), size, digest or target, mode, owner. */
    public record Node(char type, long size, String data, String meta) {
    }

    private GuestTree() {
    }

    /** Lists every entry below {@code root} (the root itself excluded), keyed by guest path. */
    public static Map<String, Node> list(Path root) throws IOException {
        Map<String, Node> out = new TreeMap<>();
        walk(root, root, out);
        return out;
    }

    /** One SHA-256 over the whole listing. */
    public static String hash(Path root) throws IOException {
        MessageDigest md = sha256();
        for (Map.Entry<String, Node> e : list(root).entrySet()) {
            md.update((e.getKey() + "\0" + e.getValue() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void walk(Path root, Path dir, Map<String, Node> out) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String gp = "/" + root.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
                String meta = meta(p);
                if (a.isSymbolicLink()) {
                    out.put(gp, new Node('l', 0, Files.readSymbolicLink(p).toString(), meta));
                } else if (a.isDirectory()) {
                    out.put(gp, new Node('d', 0, "", meta));
                    walk(root, p, out);
                } else if (a.isRegularFile()) {
                    out.put(gp, new Node('f', a.size(), HexFormat.of().formatHex(sha256().digest(Files.readAllBytes(p))), meta));
                } else {
                    out.put(gp, new Node('o', 0, "", meta));
                }
            }
        }
    }

    private static String meta(Path p) throws IOException {
        if (!p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return "";
        }
        PosixFileAttributes pa = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (Files.isSymbolicLink(p)) {
            return pa.owner().getName() + ":" + pa.group().getName();
        }
        String mode = java.nio.file.attribute.PosixFilePermissions.toString(pa.permissions());
        return mode + " " + pa.owner().getName() + ":" + pa.group().getName();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
