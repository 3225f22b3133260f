package io.imgtool.ext4;

import io.imgtool.ext4.nio.Ext4FileSystem;
import io.imgtool.ext4.nio.Ext4XattrView;
import io.imgtool.testdata.ReferenceTools;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Families of changes applied identically to a host directory (the Linux kernel's ext4: the model)
 * and to an image through imgtool's writable FileSystem, so the two trees can be compared. Only the
 * few operations NIO lacks differ per side ({@link Side}).
 */
final class WriteScenario {

    /** The side-specific operations. */
    interface Side {
        Path root();

        void mknod(Path p, char type, int major, int minor, int mode) throws IOException;

        void setXattr(Path p, String fullName, byte[] vfsValue) throws IOException;

        void removeXattr(Path p, String fullName) throws IOException;
    }

    /** The host directory (the kernel does the work). */
    static Side host(Path root) {
        return new Side() {
            @Override
            public Path root() {
                return root;
            }

            @Override
            public void mknod(Path p, char type, int major, int minor, int mode) {
                if (type == 'p') {
                    ReferenceTools.runOk("mkfifo", p.toString());
                } else {
                    ReferenceTools.runOk("mknod", p.toString(), String.valueOf(type), String.valueOf(major),
                            String.valueOf(minor));
                }
                ReferenceTools.runOk("chmod", String.format("%o", mode), p.toString());
            }

            @Override
            public void setXattr(Path p, String fullName, byte[] v) {
                ReferenceTools.runOk("setfattr", "-h", "-n", fullName, "-v", "0x" + HexFormat.of().formatHex(v),
                        p.toString());
            }

            @Override
            public void removeXattr(Path p, String fullName) {
                ReferenceTools.runOk("setfattr", "-h", "-x", fullName, p.toString());
            }
        };
    }

    /** The image through imgtool. */
    static Side image(java.nio.file.FileSystem fs) {
        return new Side() {
            @Override
            public Path root() {
                return fs.getPath("/");
            }

            @Override
            public void mknod(Path p, char type, int major, int minor, int mode) throws IOException {
                int t = switch (type) {
                    case 'c' -> 0020000;
                    case 'b' -> 0060000;
                    default -> 0010000;
                };
                ((Ext4FileSystem) fs).mknod(p, t | mode, major, minor, 0, 0);
            }

            @Override
            public void setXattr(Path p, String fullName, byte[] v) throws IOException {
                Files.getFileAttributeView(p, Ext4XattrView.class, LinkOption.NOFOLLOW_LINKS).write(fullName, v);
            }

            @Override
            public void removeXattr(Path p, String fullName) throws IOException {
                Files.getFileAttributeView(p, Ext4XattrView.class, LinkOption.NOFOLLOW_LINKS).delete(fullName);
            }
        };
    }

    static final List<String> FAMILIES = List.of("files", "dirs", "links", "attrs");

    /** Files whose times the attrs family sets exactly (compared to the nanosecond). */
    static final Map<String, Instant> EXACT_TIMES = Map.of(
            "/files/size-4097", Instant.parse("2001-02-03T04:05:06.123456789Z"),
            "/files/size-1025", Instant.parse("1999-12-31T23:59:59Z"),
            "/deep2", Instant.parse("2030-06-01T00:00:00.5Z"));

    static void run(String family, Side s, int blockSize) throws IOException {
        switch (family) {
            case "files" -> files(s);
            case "dirs" -> dirs(s);
            case "links" -> links(s, blockSize);
            case "attrs" -> attrs(s, blockSize);
            default -> throw new IllegalArgumentException(family);
        }
    }

    private static byte[] bytes(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void writeAt(Path p, long pos, byte[] data, StandardOpenOption... extra) throws IOException {
        List<java.nio.file.OpenOption> o = new ArrayList<>(List.of(StandardOpenOption.WRITE));
        o.addAll(List.of(extra));
        try (SeekableByteChannel ch = Files.newByteChannel(p, o.toArray(new java.nio.file.OpenOption[0]))) {
            if (pos >= 0) {
                ch.position(pos);
            }
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
    }

    private static void truncate(Path p, long size) throws IOException {
        try (SeekableByteChannel ch = Files.newByteChannel(p, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    static void deleteTree(Path p) throws IOException {
        List<Path> all;
        try (Stream<Path> w = Files.walk(p)) {
            all = new ArrayList<>(w.toList());
        }
        all.sort(Comparator.reverseOrder());
        for (Path x : all) {
            Files.delete(x);
        }
    }

    private static void files(Side s) throws IOException {
        Path r = s.root();
        Path f = r.resolve("files");
        int[] sizes = {0, 1, 59, 60, 4097, (1 << 20) + 3};
        for (int n : sizes) {
            Files.write(f.resolve("new-" + n), bytes(n, n));
        }
        writeAt(f.resolve("size-65537"), 1000, bytes(7, 5000));
        writeAt(f.resolve("size-65537"), 65000, bytes(8, 100));
        writeAt(f.resolve("size-4095"), -1, bytes(9, 10), StandardOpenOption.APPEND);
        writeAt(f.resolve("size-59"), -1, bytes(10, 5), StandardOpenOption.APPEND);
        writeAt(f.resolve("size-100"), -1, bytes(11, 9000), StandardOpenOption.APPEND);
        truncate(f.resolve("size-1048576"), 300_001);
        truncate(f.resolve("size-12288"), 0);
        truncate(f.resolve("size-49153"), 4096);
        writeAt(f.resolve("size-1"), 5_000_000, "end".getBytes(StandardCharsets.UTF_8));
        Files.write(f.resolve("text.txt"), "new text\n".getBytes(StandardCharsets.UTF_8));
        Files.delete(f.resolve("size-3145745"));
        Files.delete(f.resolve("size-0"));
        Files.delete(f.resolve("size-60"));
        Files.delete(r.resolve("sparse/holes"));
        writeAt(r.resolve("sparse/all-hole"), 2 << 20, bytes(12, 10_000));
        writeAt(r.resolve("sparse/leading-hole"), 5, bytes(13, 3));
        // A file rewritten many times in small pieces.
        Path log = f.resolve("grown-log");
        for (int i = 0; i < 300; i++) {
            writeAt(log, -1, ("line " + i + " " + "x".repeat(i % 97) + "\n").getBytes(StandardCharsets.UTF_8),
                    StandardOpenOption.APPEND, StandardOpenOption.CREATE);
        }
        truncate(log, 20_000);
        writeAt(log, 10, bytes(14, 30_000));
    }

    private static void dirs(Side s) throws IOException {
        Path r = s.root();
        Files.createDirectories(r.resolve("newdir/a/b/c"));
        Files.write(r.resolve("newdir/a/b/c/file"), bytes(20, 300));
        Files.createDirectory(r.resolve("newdir/empty"));
        Files.createDirectory(r.resolve("newdir/target-empty"));
        deleteTree(r.resolve("deep"));
        Files.createDirectories(r.resolve("deep2/x/y"));
        Files.move(r.resolve("files/text.txt"), r.resolve("files/renamed.txt"));
        Files.move(r.resolve("names/with space"), r.resolve("newdir/a/moved"));
        Files.move(r.resolve("modes/sticky-dir"), r.resolve("newdir/sticky-moved"));
        Files.move(r.resolve("files/size-100"), r.resolve("files/size-1023"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(r.resolve("newdir/a/b"), r.resolve("newdir/target-empty"), StandardCopyOption.ATOMIC_MOVE);
        Files.delete(r.resolve("newdir/empty"));
        Path wide = r.resolve("wide");
        for (int i = 0; i < 300; i += 2) {
            Files.delete(wide.resolve("entry-" + i + "-" + "x".repeat(i % 40)));
        }
        for (int i = 0; i < 200; i++) {
            Files.write(wide.resolve("added-" + i + "-" + "y".repeat(i % 120)), bytes(i, i % 5));
        }
        deleteTree(r.resolve("hardlinks/sub"));
        Files.move(r.resolve("newdir/a"), r.resolve("wide/dir-moved-in"));
    }

    private static String target(int len) {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < len) {
            sb.append("t/");
        }
        sb.setLength(len);
        if (sb.charAt(len - 1) == '/') {
            sb.setCharAt(len - 1, 'z');
        }
        return sb.toString();
    }

    private static void links(Side s, int blockSize) throws IOException {
        Path r = s.root();
        Path l = r.resolve("links");
        for (int len : new int[] {1, 58, 59, 60, 61, 200, Math.min(1000, blockSize - 1)}) {
            Files.createSymbolicLink(l.resolve("new-" + len), l.getFileSystem().getPath(target(len)));
        }
        Files.createLink(r.resolve("files/link-to-4096"), r.resolve("files/size-4096"));
        Files.createDirectories(r.resolve("morelinks"));
        Files.createLink(r.resolve("morelinks/x"), r.resolve("files/size-4096"));
        Files.delete(r.resolve("hardlinks/a"));
        Files.delete(l.resolve("len-60"));
        Files.delete(l.resolve("dangling"));
        Files.delete(l.resolve("len-1000"));
        Path dev = r.resolve("dev");
        Files.createDirectories(dev);
        s.mknod(dev.resolve("newnull"), 'c', 1, 3, 0666);
        s.mknod(dev.resolve("newblk"), 'b', 8, 2, 0660);
        s.mknod(dev.resolve("fifo2"), 'p', 0, 0, 0600);
        s.mknod(dev.resolve("bigdev2"), 'c', 300, 70000, 0600);
        Files.move(r.resolve("files/size-1025"), l.resolve("to-file"), StandardCopyOption.REPLACE_EXISTING);
        Files.createSymbolicLink(r.resolve("files/self"), l.getFileSystem().getPath("self"));
    }

    private static void attrs(Side s, int blockSize) throws IOException {
        Path r = s.root();
        Path f = r.resolve("files");
        LinkOption nf = LinkOption.NOFOLLOW_LINKS;
        Files.setAttribute(f.resolve("size-1"), "unix:mode", 04755, nf);
        Files.setAttribute(r.resolve("names"), "unix:mode", 0700, nf);
        Files.setAttribute(f.resolve("size-59"), "unix:mode", 01644, nf);
        Files.setAttribute(f.resolve("size-1024"), "unix:uid", 1000, nf);
        Files.setAttribute(f.resolve("size-1024"), "unix:gid", 100, nf);
        Files.setAttribute(r.resolve("modes/mode-4755"), "unix:uid", 4242, nf);
        Files.setAttribute(r.resolve("modes/mode-2755"), "unix:gid", 4343, nf);
        Files.setAttribute(r.resolve("links/to-dir"), "unix:uid", 777, nf);
        for (Map.Entry<String, Instant> e : EXACT_TIMES.entrySet()) {
            Path p = r.resolve(e.getKey().substring(1));
            Files.createDirectories(p.getParent());
            if (!Files.exists(p, nf)) {
                Files.createDirectory(p);
            }
            Files.setLastModifiedTime(p, FileTime.from(e.getValue()));
            Files.setAttribute(p, "basic:lastAccessTime", FileTime.from(e.getValue().plusSeconds(1)), nf);
        }
        s.setXattr(f.resolve("size-1"), "user.small", "v".getBytes(StandardCharsets.UTF_8));
        s.setXattr(f.resolve("size-4096"), "user.big", bytes(30, Math.min(700, blockSize - 200)));
        s.setXattr(f.resolve("size-4096"), "user.other", bytes(31, 40));
        s.setXattr(f.resolve("size-65536"), "security.test", "label\0".getBytes(StandardCharsets.UTF_8));
        s.setXattr(f.resolve("size-65536"), "trusted.test", bytes(32, 64));
        byte[] acl = aclVfs();
        s.setXattr(f.resolve("size-4097"), "system.posix_acl_access", acl);
        s.setXattr(r.resolve("wide"), "system.posix_acl_default", acl);
        s.setXattr(f.resolve("size-1"), "user.small", "changed value".getBytes(StandardCharsets.UTF_8));
        s.removeXattr(f.resolve("size-4096"), "user.other");
        s.setXattr(r.resolve("links/to-file"), "trusted.onlink", bytes(33, 10));
    }

    /** user::rw-, user:1000:r--, group::r--, mask::r--, other::--- in the VFS form. */
    static byte[] aclVfs() {
        int[][] e = {{0x01, 6, -1}, {0x02, 4, 1000}, {0x04, 4, -1}, {0x10, 4, -1}, {0x20, 0, -1}};
        ByteBuffer b = ByteBuffer.allocate(4 + 8 * e.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(2);
        for (int[] x : e) {
            b.putShort((short) x[0]).putShort((short) x[1]).putInt(x[2]);
        }
        return b.array();
    }
}
