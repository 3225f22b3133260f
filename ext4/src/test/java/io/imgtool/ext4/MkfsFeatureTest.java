package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.core.MemoryDevice;
import io.imgtool.core.RawFileDevice;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.ext4.mkfs.Ext4Formatter;
import io.imgtool.ext4.mkfs.MkfsResult;
import io.imgtool.ext4.mkfs.XattrSource;
import io.imgtool.ext4.nio.Ext4FileAttributes;
import io.imgtool.ext4.nio.Ext4XattrView;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.TreeSnapshot;
import io.imgtool.testdata.Trees;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * mkfs features one by one: a jimfs source with attributes supplied per path, reproducible images,
 * a 20,000-entry hashed directory, a sparse file past 4 GiB, and the refusals that come before any
 * write.
 */
class MkfsFeatureTest {

    /** A jimfs tree with every kind jimfs can hold, and times with nanoseconds. */
    static FileSystem jimfsTree() throws IOException {
        FileSystem fs = Jimfs.newFileSystem(Configuration.unix().toBuilder()
                .setAttributeViews("basic", "owner", "posix", "unix").build());
        Path r = fs.getPath("/src");
        Files.createDirectories(r.resolve("etc/sub/deeper"));
        Random rnd = new Random(3);
        for (int size : new int[] {0, 1, 59, 60, 1000, 4096, 4097, 70000, 300_000}) {
            byte[] b = new byte[size];
            rnd.nextBytes(b);
            Files.write(r.resolve("etc/file-" + size), b);
        }
        Files.write(r.resolve("etc/zeros"), new byte[65536 * 2]);
        byte[] half = new byte[40000];
        rnd.nextBytes(half);
        java.util.Arrays.fill(half, 5000, 30000, (byte) 0);
        Files.write(r.resolve("etc/with-zero-blocks"), half);
        Files.writeString(r.resolve("etc/sub/deeper/leaf.txt"), "leaf\n");
        Files.createSymbolicLink(r.resolve("etc/fast"), fs.getPath("file-1"));
        Files.createSymbolicLink(r.resolve("etc/slow"), fs.getPath("x/".repeat(100) + "end"));
        Files.createLink(r.resolve("etc/hard"), r.resolve("etc/file-4096"));
        Files.setAttribute(r.resolve("etc/file-1"), "posix:permissions",
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x--x"));
        Instant t = Instant.parse("2020-05-06T07:08:09.123456789Z");
        try (var w = Files.walk(r)) {
            for (Path p : w.toList()) {
                Files.getFileAttributeView(p, java.nio.file.attribute.BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setTimes(FileTime.from(t), null, null);
                t = t.plusSeconds(86_400).plusNanos(1001);
            }
        }
        return fs;
    }

    /**
     * Path to "type perms uid:gid size sha mtime(ns) link hardlink-group" for any NIO filesystem (jimfs's
     * "unix:mode" carries no type bits, so the type comes from the basic view).
     */
    static Map<String, String> describe(Path root) throws IOException {
        Map<String, String> out = new java.util.TreeMap<>();
        Map<Object, String> firstByKey = new java.util.HashMap<>();
        List<Path> all;
        try (var w = Files.walk(root)) {
            all = w.sorted().toList(); // the smallest path of a hard-link group names the group
        }
        for (Path p : all) {
            var b = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            Map<String, Object> u = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
            String type = b.isDirectory() ? "d" : b.isSymbolicLink() ? "l" : b.isRegularFile() ? "f" : "o";
            String rel = "/" + root.relativize(p).toString();
            String link = "";
            if (type.equals("f") && ((Number) u.get("nlink")).intValue() > 1) {
                link = firstByKey.computeIfAbsent(b.fileKey(), k -> rel);
            }
            // jimfs gives links its file default; Linux links (and mkfs's) are always 0777.
            int perms = type.equals("l") && p.getFileSystem().provider().getScheme().equals("jimfs") ? 0777
                    : ((Number) u.get("mode")).intValue() & 07777;
            out.put(rel, type + " " + Integer.toOctalString(perms) + " "
                    + u.get("uid") + ":" + u.get("gid") + " " + (type.equals("f") ? b.size() : "") + " "
                    + (type.equals("f") ? TreeSnapshot.sha256(p) : "") + " "
                    + (type.equals("d") ? "" : b.lastModifiedTime().toInstant()) + " "
                    + (type.equals("l") ? Files.readSymbolicLink(p).toString() : "") + " " + link);
        }
        return out;
    }

    static final byte[] CAP = HexFormat.of().parseHex("0100000200200000000000000000000000000000");
    static final byte[] ACL_VFS = HexFormat.of().parseHex(
            "02000000" + "01000600ffffffff" + "02000600e8030000" + "04000400ffffffff" + "10000600ffffffff"
                    + "20000000ffffffff");

    static XattrSource suppliedXattrs() {
        return (file, rel) -> switch (rel) {
            case "etc/file-1000" -> Map.of("security.capability", CAP, "user.note", "jimfs".getBytes(StandardCharsets.UTF_8));
            case "etc/file-59" -> Map.of("system.posix_acl_access", ACL_VFS, "user.big", new byte[900]);
            case "etc" -> Map.of("trusted.dir", new byte[] {1, 2, 3});
            default -> Map.of();
        };
    }

    @Test
    void jimfsTreeWithSuppliedXattrsRoundTrips() throws IOException {
        ReferenceTools.require("debugfs");
        Path dir = Images.scratch("mkfs-jimfs");
        Path img = dir.resolve("j.img");
        try (FileSystem src = jimfsTree(); RawFileDevice dev = RawFileDevice.create(img, 64L << 20)) {
            MkfsResult res = Ext4Formatter.builder().xattrs(suppliedXattrs()).label("jimfs").build()
                    .format(dev, src.getPath("/src"));
            assertThat(res.files()).isEqualTo(18); // 3 directories, 13 files and links (the hard link shares one), lost+found
            dev.close();
            MkfsTool.fsckClean(img);
            Map<String, String> expected = describe(src.getPath("/src"));
            try (Ext4Volume vol = Images.open(img); FileSystem fs = vol.fileSystem()) {
                Map<String, String> actual = describe(fs.getPath("/"));
                actual.remove("/lost+found");
                assertThat(actual).isEqualTo(expected);
                Ext4FileAttributes a = Files.readAttributes(fs.getPath("/etc/file-59"), Ext4FileAttributes.class);
                assertThat(a.lastModifiedTime().toInstant().getNano()).isNotZero();
                Map<String, byte[]> x = Files.getFileAttributeView(fs.getPath("/etc/file-59"), Ext4XattrView.class).readAll();
                assertThat(x.get("system.posix_acl_access")).isEqualTo(ACL_VFS);
                assertThat(x.get("user.big")).hasSize(900);
                Map<String, byte[]> c = Files.getFileAttributeView(fs.getPath("/etc/file-1000"), Ext4XattrView.class).readAll();
                assertThat(c.get("security.capability")).isEqualTo(CAP);
                // Zero blocks of the source are holes.
                assertThat(Files.readAttributes(fs.getPath("/etc/zeros"), Ext4FileAttributes.class).blocks()).isZero();
            }
            String ea = Debugfs.run(img, List.of("ea_list /etc/file-1000", "ea_list /etc/file-59", "ea_list /etc",
                    "stat /etc/with-zero-blocks"));
            assertThat(ea).contains("security.capability").contains("user.note (5) = \"jimfs\"")
                    .contains("system.posix_acl_access").contains("trusted.dir");
            // 1 KiB blocks: bytes 5000..29999 are zero, so blocks 5..28 are a hole.
            assertThat(ea).containsPattern("\\(0-4\\):\\d+-\\d+, \\(29-39\\):\\d+-\\d+");
        }
    }

    private static String sha256(BlockDevice d) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer b = ByteBuffer.allocate(1 << 20);
            for (long off = 0; off < d.size(); off += b.capacity()) {
                b.clear().limit((int) Math.min(b.capacity(), d.size() - off));
                d.read(b, off);
                b.flip();
                md.update(b);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String reproducibleImage(Path tree, Long epoch, XattrSource x) throws IOException {
        try (MemoryDevice d = new MemoryDevice(300L << 20)) {
            Ext4Formatter.builder().reproducible(true).sourceDateEpoch(epoch).xattrs(x).build().format(d, tree);
            return sha256(d);
        }
    }

    @Test
    void reproducibleModeGivesTheSameBytes() throws Exception {
        try (FileSystem src = jimfsTree()) {
            String a = reproducibleImage(src.getPath("/src"), 1_700_000_000L, suppliedXattrs());
            String b = reproducibleImage(src.getPath("/src"), 1_700_000_000L, suppliedXattrs());
            assertThat(a).isEqualTo(b);
            assertThat(reproducibleImage(src.getPath("/src"), 1_700_000_001L, suppliedXattrs())).isNotEqualTo(a);
            assertThat(reproducibleImage(src.getPath("/src"), null, suppliedXattrs()))
                    .isEqualTo(reproducibleImage(src.getPath("/src"), null, suppliedXattrs()));
        }
        // A host tree, read twice (its atimes change in between): same bytes.
        Path dir = Images.scratch("mkfs-repro");
        Path tree = dir.resolve("tree");
        Trees.build(tree, Trees.Spec.plain(11));
        String h1 = reproducibleImage(tree, 1_600_000_000L, XattrSource.fromFileSystem());
        try (var w = Files.walk(tree)) {
            for (Path p : w.filter(Files::isRegularFile).toList()) {
                Files.readAllBytes(p);
            }
        }
        String h2 = reproducibleImage(tree, 1_600_000_000L, XattrSource.fromFileSystem());
        assertThat(h2).isEqualTo(h1);
        // And the image is a valid filesystem with the epoch as its creation time.
        Path img = dir.resolve("r.img");
        try (RawFileDevice d = RawFileDevice.create(img, 300L << 20)) {
            MkfsResult r = Ext4Formatter.builder().reproducible(true).sourceDateEpoch(1_600_000_000L).build().format(d, tree);
            assertThat(r.createdEpochSecond()).isEqualTo(1_600_000_000L);
            assertThat(sha256(d)).isEqualTo(h1);
        }
        MkfsTool.fsckClean(img);
        assertThat(ReferenceTools.runOk("dumpe2fs", "-h", img.toString()).stdout()).contains("Filesystem created:       Sun Sep 13 12:26:40 2020");
    }

    @Test
    void twentyThousandEntryDirectoryIsAnHtree() throws IOException {
        Path dir = Images.scratch("mkfs-bigdir");
        Path tree = dir.resolve("tree");
        Path big = Files.createDirectories(tree.resolve("big"));
        for (int i = 0; i < 20_000; i++) {
            Files.createFile(big.resolve(String.format("file-%06d-%08x", i, i * 2654435761L & 0xffffffffL)));
        }
        for (int bs : new int[] {1024, 4096}) {
            Path img = dir.resolve("big-" + bs + ".img");
            try (RawFileDevice d = RawFileDevice.create(img, 200L << 20)) {
                Ext4Formatter.builder().blockSize(bs).assumeZeroed(true).build().format(d, tree);
            }
            MkfsTool.fsckClean(img);
            String dump = Debugfs.run(img, List.of("htree_dump /big"));
            assertThat(dump).contains("Indirect levels: " + (bs == 1024 ? 1 : 0));
            try (Ext4Volume vol = Images.open(img); FileSystem fs = vol.fileSystem()) {
                Path b = fs.getPath("/big");
                assertThat(Files.readAttributes(b, Ext4FileAttributes.class).flags() & 0x1000).isNotZero();
                for (int i = 0; i < 20_000; i += 7) {
                    assertThat(Files.exists(b.resolve(String.format("file-%06d-%08x", i, i * 2654435761L & 0xffffffffL))))
                            .isTrue();
                }
                try (var s = Files.list(b)) {
                    assertThat(s.count()).isEqualTo(20_000);
                }
                assertThat(vol.check().problems()).isEmpty();
            }
            Files.delete(img);
        }
    }

    @Test
    void sparseFilePastFourGibStaysSparse() throws IOException {
        Path dir = Images.scratch("mkfs-sparse");
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree);
        long size = (5L << 30) + 12345;
        Trees.sparseFile(tree.resolve("huge"), size, new long[] {4096, (4L << 30) + 7, size - 9000}, new Random(5));
        Path img = dir.resolve("s.img");
        // 256 MiB cannot hold 5 GiB of data: mkfs must find the holes before it writes (a pre-pass).
        try (RawFileDevice d = RawFileDevice.create(img, 256L << 20)) {
            Ext4Formatter.builder().blockSize(4096).assumeZeroed(true).build().format(d, tree);
        }
        MkfsTool.fsckClean(img);
        try (Ext4Volume vol = Images.open(img); FileSystem fs = vol.fileSystem()) {
            Path h = fs.getPath("/huge");
            Ext4FileAttributes a = Files.readAttributes(h, Ext4FileAttributes.class);
            assertThat(a.size()).isEqualTo(size);
            assertThat(a.blocks()).isLessThanOrEqualTo(6 * 8);
            assertThat(TreeSnapshot.sha256(h)).isEqualTo(TreeSnapshot.sha256(tree.resolve("huge")));
        }
        assertThat(Debugfs.run(img, List.of("stat /huge"))).contains("Size: " + size);
    }

    @Test
    void refusalsComeBeforeAnyWrite() throws IOException {
        Path dir = Images.scratch("mkfs-refuse");
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree);
        byte[] rnd = new byte[3 << 20];
        new Random(1).nextBytes(rnd);
        Files.write(tree.resolve("big"), rnd);
        try (MemoryDevice d = new MemoryDevice(2L << 20)) {
            assertThatThrownBy(() -> Ext4Formatter.builder().build().format(d, tree))
                    .isInstanceOf(ImageException.class).hasMessageContaining("free");
            assertThat(d.allocatedBytes()).isZero();
        }
        try (MemoryDevice d = new MemoryDevice(8L << 20)) {
            for (int i = 0; i < 3000; i++) {
                Files.createFile(tree.resolve("f" + i));
            }
            assertThatThrownBy(() -> Ext4Formatter.builder().inodeCount(1000).build().format(d, tree))
                    .isInstanceOf(ImageException.class).hasMessageContaining("inodes");
            assertThat(d.allocatedBytes()).isZero();
            XattrSource huge = (f, rel) -> rel.equals("f1") ? Map.of("user.x", new byte[5000]) : Map.of();
            assertThatThrownBy(() -> Ext4Formatter.builder().blockSize(1024).inodeCount(4000).xattrs(huge).build().format(d, tree))
                    .isInstanceOf(ImageException.class).hasMessageContaining("ea_inode");
            assertThat(d.allocatedBytes()).isZero();
            XattrSource odd = (f, rel) -> rel.equals("f1") ? Map.of("os2.x", new byte[5]) : Map.of();
            assertThatThrownBy(() -> Ext4Formatter.builder().inodeCount(4000).xattrs(odd).build().format(d, tree))
                    .isInstanceOf(ImageException.class).hasMessageContaining("namespace");
            assertThat(d.allocatedBytes()).isZero();
        }
        assertThatThrownBy(() -> Ext4Formatter.builder().features("inline_data").build())
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("inline_data");
        assertThatThrownBy(() -> Ext4Formatter.builder().features("no_such_thing"))
                .isInstanceOf(UnsupportedFeatureException.class);
        try (MemoryDevice d = new MemoryDevice(1L << 20)) {
            assertThatThrownBy(() -> Ext4Formatter.builder().size(2L << 20).build().format(d))
                    .isInstanceOf(ImageException.class).hasMessageContaining("exceeds the device");
        }
    }

    @Test
    void tinyFilesystemsAndBlockSizes() throws IOException {
        Path dir = Images.scratch("mkfs-tiny");
        for (int bs : new int[] {1024, 2048, 4096, 65536}) {
            Path img = dir.resolve("t" + bs + ".img");
            long size = bs == 65536 ? 64L << 20 : 8L << 20;
            try (RawFileDevice d = RawFileDevice.create(img, size)) {
                MkfsResult r = Ext4Formatter.builder().blockSize(bs).label("tiny").uuid(UUID.nameUUIDFromBytes(new byte[] {1}))
                        .build().format(d);
                assertThat(r.blockSize()).isEqualTo(bs);
            }
            MkfsTool.fsckClean(img);
            String head = ReferenceTools.runOk("dumpe2fs", "-h", img.toString()).stdout();
            assertThat(head).contains("Block size:               " + bs).contains("Filesystem volume name:   tiny");
        }
    }
}
