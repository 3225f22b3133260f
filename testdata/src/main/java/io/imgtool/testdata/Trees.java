package io.imgtool.testdata;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generates directory trees on the host with everything a filesystem must carry: files of every
 * size class (inline, one block, many blocks), sparse files (optionally past 4 GiB), deep and wide
 * directories, symbolic links of every length class, hard links, device nodes, fifos, sockets,
 * unusual modes and owners, extended attributes, POSIX ACLs and file capabilities. Deterministic for
 * a seed. Parts that need root or a tool that is missing are skipped and listed in the report.
 *
 * <p>{@code mke2fs -d} copies such a tree into a filesystem image; {@link TreeSnapshot} compares trees.
 */
public final class Trees {

    private Trees() {
    }

    /** What to put in the tree. */
    public record Spec(long seed, boolean specials, boolean owners, boolean xattrs, boolean acls, boolean caps,
                       boolean hugeSparse, int bigDirEntries, int depth, boolean unicodeNames) {

        /** Everything except the >4 GiB sparse file and the big directory. */
        public static Spec standard(long seed) {
            return new Spec(seed, true, true, true, true, true, false, 0, 24, true);
        }

        public Spec withHugeSparse(boolean on) {
            return new Spec(seed, specials, owners, xattrs, acls, caps, on, bigDirEntries, depth, unicodeNames);
        }

        public Spec withBigDir(int entries) {
            return new Spec(seed, specials, owners, xattrs, acls, caps, hugeSparse, entries, depth, unicodeNames);
        }

        /** Plain files, directories and links only (no root, no tools needed). */
        public static Spec plain(long seed) {
            return new Spec(seed, false, false, false, false, false, false, 0, 8, true);
        }
    }

    /** Parts of the spec that could not be built here, and why. */
    public record Report(List<String> skipped) {
    }

    /** File sizes that cross every boundary: empty, inline (&lt;60), one block, block edges, multi-block. */
    public static final int[] SIZES = {0, 1, 59, 60, 61, 100, 1023, 1024, 1025, 4095, 4096, 4097, 12288, 49153,
        65536, 65537, 1 << 20, (1 << 20) + 3, 3 * (1 << 20) + 17};

    /** Symbolic link target lengths: fast (&lt;60), the boundary, slow (a block), long. */
    public static final int[] LINK_LENGTHS = {1, 30, 59, 60, 61, 200, 1000, 1023};

    private static boolean isRoot() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return uid instanceof Integer i && i == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    public static Report build(Path root, Spec spec) throws IOException {
        Files.createDirectories(root);
        List<String> skipped = new ArrayList<>();
        Random rnd = new Random(spec.seed());
        boolean root0 = isRoot();

        Path files = Files.createDirectories(root.resolve("files"));
        for (int s : SIZES) {
            write(files.resolve("size-" + s), bytes(rnd, s));
        }
        write(files.resolve("text.txt"), "hello, ext4\n".getBytes(StandardCharsets.UTF_8));

        Path sparse = Files.createDirectories(root.resolve("sparse"));
        sparseFile(sparse.resolve("holes"), 8L << 20, new long[] {0, 3L << 20, (8L << 20) - 5000}, rnd);
        sparseFile(sparse.resolve("leading-hole"), 1L << 20, new long[] {(1L << 20) - 100}, rnd);
        sparseFile(sparse.resolve("all-hole"), 5L << 20, new long[0], rnd);
        if (spec.hugeSparse()) {
            long big = (5L << 30) + 12345;
            sparseFile(sparse.resolve("huge"), big, new long[] {4096, (4L << 30) + 7, big - 9000}, rnd);
        }

        Path deep = root.resolve("deep");
        Path d = deep;
        for (int i = 0; i < spec.depth(); i++) {
            d = d.resolve("level" + i);
        }
        Files.createDirectories(d);
        write(d.resolve("bottom.txt"), "the bottom\n".getBytes(StandardCharsets.UTF_8));

        Path wide = Files.createDirectories(root.resolve("wide"));
        for (int i = 0; i < 300; i++) {
            write(wide.resolve("entry-" + i + "-" + "x".repeat(i % 40)), bytes(rnd, i % 7));
        }
        if (spec.bigDirEntries() > 0) {
            Path big = Files.createDirectories(root.resolve("bigdir"));
            for (int i = 0; i < spec.bigDirEntries(); i++) {
                Files.createFile(big.resolve(String.format("file-%06d-%s", i, Integer.toHexString(rnd.nextInt()))));
            }
        }

        Path names = Files.createDirectories(root.resolve("names"));
        write(names.resolve("n".repeat(255)), bytes(rnd, 3));
        write(names.resolve("with space"), bytes(rnd, 3));
        write(names.resolve(".hidden"), bytes(rnd, 3));
        write(names.resolve("dash-and_underscore.and.dots"), bytes(rnd, 3));
        if (spec.unicodeNames()) {
            write(names.resolve("ümlaut-ß"), bytes(rnd, 5));
            write(names.resolve("日本語のファイル"), bytes(rnd, 5));
            write(names.resolve("emoji-\uD83D\uDE00"), bytes(rnd, 5));
        }

        Path links = Files.createDirectories(root.resolve("links"));
        for (int len : LINK_LENGTHS) {
            String target = target(len);
            Files.createSymbolicLink(links.resolve("len-" + len), Path.of(target));
        }
        Files.createSymbolicLink(links.resolve("to-file"), Path.of("../files/text.txt"));
        Files.createSymbolicLink(links.resolve("to-dir"), Path.of("../deep"));
        Files.createSymbolicLink(links.resolve("absolute"), Path.of("/files/text.txt"));
        Files.createSymbolicLink(links.resolve("dangling"), Path.of("no/such/thing"));
        Files.createSymbolicLink(links.resolve("loop-a"), Path.of("loop-b"));
        Files.createSymbolicLink(links.resolve("loop-b"), Path.of("loop-a"));
        Files.createSymbolicLink(links.resolve("escape"), Path.of("../../../../../../files/text.txt"));

        Path hard = Files.createDirectories(root.resolve("hardlinks"));
        write(hard.resolve("a"), bytes(rnd, 5000));
        Files.createLink(hard.resolve("b"), hard.resolve("a"));
        Files.createDirectories(hard.resolve("sub"));
        Files.createLink(hard.resolve("sub").resolve("c"), hard.resolve("a"));

        Path modes = Files.createDirectories(root.resolve("modes"));
        int[] ms = {0, 0444, 0600, 0755, 04755, 02755, 06711, 01777};
        for (int m : ms) {
            Path f = modes.resolve(String.format("mode-%04o", m));
            write(f, bytes(rnd, 10));
            Files.setAttribute(f, "unix:mode", m);
        }
        Path sticky = Files.createDirectories(modes.resolve("sticky-dir"));
        Files.setAttribute(sticky, "unix:mode", 01777);
        Path restricted = Files.createDirectories(modes.resolve("restricted-dir"));
        write(restricted.resolve("inside"), bytes(rnd, 4));
        Files.setAttribute(restricted, "unix:mode", 0700);

        if (spec.specials()) {
            Path dev = Files.createDirectories(root.resolve("dev"));
            if (!runQuiet("mkfifo", dev.resolve("fifo").toString())) {
                skipped.add("fifo: mkfifo failed");
            }
            if (root0) {
                if (!runQuiet("mknod", dev.resolve("null").toString(), "c", "1", "3")
                        || !runQuiet("mknod", dev.resolve("sda1").toString(), "b", "8", "1")
                        || !runQuiet("mknod", dev.resolve("bigdev").toString(), "c", "300", "70000")) {
                    skipped.add("device nodes: mknod failed");
                }
            } else {
                skipped.add("device nodes: need root");
            }
            try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                s.bind(UnixDomainSocketAddress.of(dev.resolve("socket")));
            } catch (IOException | UnsupportedOperationException e) {
                skipped.add("socket: " + e);
            }
        }

        Path owned = Files.createDirectories(root.resolve("owned"));
        long[][] owners = {{1000, 1000}, {12345, 54321}, {65534, 65534}, {100000, 200000}};
        for (long[] o : owners) {
            Path f = owned.resolve("owner-" + o[0] + "-" + o[1]);
            write(f, bytes(rnd, 7));
            if (spec.owners() && root0) {
                Files.setAttribute(f, "unix:uid", (int) o[0], LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(f, "unix:gid", (int) o[1], LinkOption.NOFOLLOW_LINKS);
            }
        }
        if (spec.owners() && !root0) {
            skipped.add("owners: need root");
        }

        Path xa = Files.createDirectories(root.resolve("xattrs"));
        if (spec.xattrs()) {
            Path f = xa.resolve("user-attrs");
            write(f, bytes(rnd, 20));
            try {
                UserDefinedFileAttributeView v = Files.getFileAttributeView(f, UserDefinedFileAttributeView.class);
                v.write("comment", ByteBuffer.wrap("a comment".getBytes(StandardCharsets.UTF_8)));
                v.write("empty", ByteBuffer.allocate(0));
                v.write("binary", ByteBuffer.wrap(bytes(rnd, 40)));
                v.write("big", ByteBuffer.wrap(bytes(rnd, 700)));
            } catch (IOException | UnsupportedOperationException e) {
                skipped.add("user xattrs: " + e);
            }
            Path many = xa.resolve("many-attrs");
            write(many, bytes(rnd, 3));
            try {
                UserDefinedFileAttributeView v = Files.getFileAttributeView(many, UserDefinedFileAttributeView.class);
                for (int i = 0; i < 30; i++) {
                    v.write("attr" + i, ByteBuffer.wrap(("value " + i).getBytes(StandardCharsets.UTF_8)));
                }
            } catch (IOException | UnsupportedOperationException e) {
                skipped.add("user xattrs: " + e);
            }
            if (root0) {
                Path t = xa.resolve("trusted-and-security");
                write(t, bytes(rnd, 5));
                if (!runQuiet("setfattr", "-n", "trusted.overlay.opaque", "-v", "y", t.toString())
                        || !runQuiet("setfattr", "-n", "security.ima", "-v", "0x0401020304", t.toString())) {
                    skipped.add("trusted/security xattrs: setfattr missing or failed");
                }
            }
            Path dirx = Files.createDirectories(xa.resolve("dir-with-attr"));
            try {
                Files.getFileAttributeView(dirx, UserDefinedFileAttributeView.class)
                        .write("dirattr", ByteBuffer.wrap(new byte[] {1, 2, 3}));
            } catch (IOException | UnsupportedOperationException e) {
                skipped.add("directory xattr: " + e);
            }
        }
        if (spec.acls()) {
            Path acl = xa.resolve("acl-file");
            write(acl, bytes(rnd, 5));
            Path acld = Files.createDirectories(xa.resolve("acl-dir"));
            if (!runQuiet("setfacl", "-m", "u:1000:rw,g:2000:r,m::rw", acl.toString())
                    || !runQuiet("setfacl", "-d", "-m", "u:1001:rwx,g::rx,o::-", acld.toString())) {
                skipped.add("ACLs: setfacl missing or failed");
            }
        }
        if (spec.caps()) {
            Path cap = xa.resolve("cap-file");
            write(cap, bytes(rnd, 5));
            Files.setAttribute(cap, "unix:mode", 0755);
            if (!root0 || !runQuiet("setcap", "cap_net_raw,cap_net_admin+ep", cap.toString())) {
                skipped.add("capabilities: setcap missing, failed or not root");
            }
        }

        // Times last: every write above changed directory mtimes.
        Instant t0 = Instant.parse("2001-02-03T04:05:06.123456789Z");
        try (var walk = Files.walk(root)) {
            List<Path> all = walk.toList();
            for (int i = all.size() - 1; i >= 0; i--) {
                Path p = all.get(i);
                FileTime mt = FileTime.from(t0.plusSeconds(i * 3601L).plusNanos(i * 7919L));
                FileTime at = FileTime.from(t0.plusSeconds(i * 7L));
                try {
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                            || Files.isSymbolicLink(p)) {
                        Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                                .setTimes(mt, at, null);
                    } else if (ReferenceTools.find("touch") != null) {
                        // The JDK opens the file to set its times, which blocks on a fifo: touch does not.
                        Instant m = mt.toInstant();
                        runQuiet("touch", "-h", "-m", "-d", "@" + m.getEpochSecond() + "." + String.format("%09d", m.getNano()),
                                p.toString());
                        runQuiet("touch", "-h", "-a", "-d", "@" + at.toInstant().getEpochSecond(), p.toString());
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return new Report(List.copyOf(skipped));
    }

    /** A symbolic link target of exactly {@code len} bytes. */
    public static String target(int len) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (sb.length() < len) {
            sb.append(sb.length() == 0 ? "" : "/").append("d").append(i++);
        }
        sb.setLength(len);
        if (sb.charAt(len - 1) == '/') {
            sb.setCharAt(len - 1, 'z');
        }
        return sb.toString();
    }

    public static byte[] bytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static void write(Path p, byte[] data) throws IOException {
        Files.write(p, data);
    }

    /** A file of {@code size} bytes with 4 KiB of random data at each offset in {@code dataAt}, holes elsewhere. */
    public static void sparseFile(Path p, long size, long[] dataAt, Random rnd) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long at : dataAt) {
                int n = (int) Math.min(4096, size - at);
                ch.write(ByteBuffer.wrap(bytes(rnd, n)), at);
            }
        }
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(size); // extends with a hole
        }
    }

    private static boolean runQuiet(String... cmd) {
        if (ReferenceTools.find(cmd[0]) == null) {
            return false;
        }
        ReferenceTools.Result r = ReferenceTools.run(cmd);
        return r.exit() == 0;
    }
}
