package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.ext4.nio.Ext4FileAttributeView;
import io.imgtool.ext4.nio.Ext4FileAttributes;
import io.imgtool.ext4.nio.Ext4XattrView;
import io.imgtool.ext4.ondisk.Inode;
import io.imgtool.testdata.Trees;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Features the generated matrix does not reach by itself. */
class FeaturesTest {

    /** Data chunks of a sparse file and the bytes written there. */
    private static final long HUGE = (5L << 30) + 12345;
    private static final long[] HUGE_AT = {4096, (4L << 30) + 7, HUGE - 9000};

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"mkfs.ext4,4096", "mkfs.ext3,4096", "mkfs.ext2,1024"})
    void sparseFilesPastFourGibibytesKeepTheirHoles(String mkfs, String bs) throws IOException {
        Path work = Images.scratch("huge-" + mkfs + bs);
        Path tree = Files.createDirectories(work.resolve("tree"));
        Trees.sparseFile(tree.resolve("huge"), HUGE, HUGE_AT, new Random(5));
        // With 1 KiB blocks the indirect map's triple-indirect range starts at 64.3 MiB.
        Trees.sparseFile(tree.resolve("triple"), 200L << 20, new long[] {0, 100L << 20, (200L << 20) - 4096},
                new Random(6));
        Path img = Images.mkfs(work.resolve("h.img"), mkfs, List.of("-b", bs), tree, "256M");
        try (Ext4Volume v = Images.open(img); FileSystem fs = v.fileSystem()) {
            for (String name : List.of("huge", "triple")) {
                Path p = fs.getPath("/" + name);
                Path src = tree.resolve(name);
                assertThat(Files.size(p)).isEqualTo(Files.size(src));
                List<FileExtent> ex = Files.getFileAttributeView(p, Ext4FileAttributeView.class).extents();
                long data = ex.stream().filter(e -> e.type() == FileExtent.Type.DATA).mapToLong(FileExtent::length).sum();
                assertThat(data).as(name + " data bytes").isBetween(3 * 4096L, 6 * 4096L);
                assertThat(ex.get(ex.size() - 1).end()).isEqualTo(Files.size(src));
                for (int i = 1; i < ex.size(); i++) {
                    assertThat(ex.get(i).offset()).isEqualTo(ex.get(i - 1).end());
                }
                // Every data extent reads as the source; probes inside holes read zeroes.
                try (SeekableByteChannel a = Files.newByteChannel(p);
                     SeekableByteChannel b = Files.newByteChannel(src)) {
                    for (FileExtent e : ex) {
                        long probe = e.type() == FileExtent.Type.DATA ? e.offset() : e.offset() + e.length() / 2;
                        int n = (int) Math.min(e.end() - probe, 8192);
                        assertThat(readAt(a, probe, n)).as(name + " at " + probe).isEqualTo(readAt(b, probe, n));
                        if (e.type() != FileExtent.Type.DATA) {
                            assertThat(readAt(a, probe, n)).containsOnly(0);
                        }
                    }
                }
            }
            assertThat(v.check().problems()).isEmpty();
        }
    }

    private static byte[] readAt(SeekableByteChannel ch, long pos, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        ch.position(pos);
        while (b.hasRemaining() && ch.read(b) > 0) {
            // fill
        }
        return b.array();
    }

    @Test
    void extendedTimestampsAndNanoseconds() throws IOException {
        Path work = Images.scratch("times");
        Path tree = Files.createDirectories(work.resolve("tree"));
        Files.writeString(tree.resolve("t"), "time");
        Path img = Images.mkfs(work.resolve("t.img"), "mkfs.ext4", List.of(), tree, "16M");
        // 2106-02-07T06:28:16.123456789Z: seconds 2^32 + 0 -> low word 0x00000000 with epoch bits 01.
        // 1961-06-01T00:00:00.5Z: negative seconds in the low word, epoch bits 00.
        long neg = Instant.parse("1961-06-01T00:00:00Z").getEpochSecond() & 0xffffffffL;
        Debugfs.run(img, List.of(
                "sif /t mtime 0x00000000", "sif /t mtime_extra " + ((123456789L << 2) | 1),
                "sif /t atime 0x" + Long.toHexString(neg), "sif /t atime_extra " + (500_000_000L << 2),
                "sif /t crtime 0x7fffffff", "sif /t crtime_extra " + ((999_999_999L << 2) | 3),
                "sif /t ctime 0x12345678", "sif /t ctime_extra " + (1L << 2)), true);
        try (Ext4Volume v = Images.open(img); FileSystem fs = v.fileSystem()) {
            Ext4FileAttributes a = Files.readAttributes(fs.getPath("/t"), Ext4FileAttributes.class);
            assertThat(a.lastModifiedTime().toInstant()).isEqualTo(Instant.parse("2106-02-07T06:28:16.123456789Z"));
            assertThat(a.lastAccessTime().toInstant()).isEqualTo(Instant.parse("1961-06-01T00:00:00.5Z"));
            assertThat(a.changeTime().toInstant()).isEqualTo(Instant.ofEpochSecond(0x12345678, 1));
            assertThat(a.birthTime()).hasValue(java.nio.file.attribute.FileTime.from(
                    Instant.ofEpochSecond(0x7fffffffL + (3L << 32), 999_999_999)));
            MatrixTest.crossCheckWithDebugfs(img, fs);
        }
    }

    @Test
    void valuesInTheirOwnInodes() throws IOException {
        // The host's ext4 cannot hold a 30 KB value; tmpfs can, and mke2fs -d then uses an ea_inode.
        Path shm = Path.of("/dev/shm");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(shm), "/dev/shm (tmpfs) needed");
        Path work = Images.scratch("ea-inode");
        Path tree = Files.createTempDirectory(shm, "imgtool-ea-");
        byte[] value = new byte[30000];
        new Random(9).nextBytes(value);
        try {
            Files.writeString(tree.resolve("f"), "has a big attribute");
            var view = Files.getFileAttributeView(tree.resolve("f"), java.nio.file.attribute.UserDefinedFileAttributeView.class);
            try {
                view.write("huge", ByteBuffer.wrap(value));
                view.write("small", ByteBuffer.wrap("tiny".getBytes()));
            } catch (IOException e) {
                org.junit.jupiter.api.Assumptions.abort("tmpfs without large user xattrs: " + e);
            }
            Path img = Images.mkfs(work.resolve("e.img"), "mkfs.ext4", List.of("-O", "ea_inode"), tree, "32M");
            // (e2fsck -fn flags this image's i_blocks: a mke2fs 1.47.0 bug with an ea_inode plus
            // another attribute; the attributes themselves are what debugfs shows.)
            assertThat(Debugfs.run(img, List.of("stat /f"))).contains("user.huge (30000)");
            try (Ext4Volume v = Images.open(img); FileSystem fs = v.fileSystem()) {
                var all = Files.getFileAttributeView(fs.getPath("/f"), Ext4XattrView.class).readAll();
                assertThat(all.get("user.huge")).isEqualTo(value);
                assertThat(new String(all.get("user.small"))).isEqualTo("tiny");
                assertThat(v.check().problems()).isEmpty();
            }
        } finally {
            try (var w = Files.walk(tree)) {
                w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void encryptedDirectoriesAreReportedNotDecrypted() throws IOException {
        Path work = Images.scratch("encrypt");
        Path tree = Files.createDirectories(work.resolve("tree"));
        Files.createDirectories(tree.resolve("secret"));
        Files.writeString(tree.resolve("secret").resolve("x"), "ciphertext in real life");
        Files.writeString(tree.resolve("plain"), "readable");
        Path img = Images.mkfs(work.resolve("c.img"), "mkfs.ext4", List.of("-O", "encrypt"), tree, "16M");
        Debugfs.run(img, List.of("sif /secret flags 0x80800"), true);
        try (Ext4Volume v = Images.open(img); FileSystem fs = v.fileSystem()) {
            Ext4FileAttributes a = Files.readAttributes(fs.getPath("/secret"), Ext4FileAttributes.class);
            assertThat(a.isEncrypted()).isTrue();
            assertThatThrownBy(() -> Files.list(fs.getPath("/secret"))).isInstanceOf(UnsupportedFeatureException.class)
                    .hasMessageContaining("encrypt");
            assertThat(Files.readString(fs.getPath("/plain"))).isEqualTo("readable");
        }
    }

    @Test
    void casefoldedDirectoriesLookUpCaseInsensitively() throws IOException {
        Path work = Images.scratch("casefold");
        Path img = Images.mkfs(work.resolve("cf.img"), "mkfs.ext4", List.of("-O", "casefold"), null, "16M");
        Path content = work.resolve("content");
        Files.writeString(content, "folded");
        Debugfs.run(img, List.of("mkdir /cf", "sif /cf flags 0x40080000", "cd /cf", "write " + content + " MixedCase.TXT",
                "write " + content + " Straße"), true);
        try (Ext4Volume v = Images.open(img); FileSystem fs = v.fileSystem()) {
            assertThat(Files.readAttributes(fs.getPath("/cf"), Ext4FileAttributes.class).isCasefolded()).isTrue();
            assertThat(Files.readString(fs.getPath("/cf/mixedcase.txt"))).isEqualTo("folded");
            assertThat(Files.readString(fs.getPath("/cf/MIXEDCASE.txt"))).isEqualTo("folded");
            // Full Unicode case folding, as the kernel's utf8 nfdicf tables: ß folds to "ss".
            assertThat(Files.exists(fs.getPath("/cf/STRASSE"))).isTrue();
            assertThat(Files.exists(fs.getPath("/cf/strasse"))).isTrue();
            assertThat(Files.exists(fs.getPath("/cf/strase"))).isFalse();
            try (var s = Files.list(fs.getPath("/cf"))) {
                assertThat(s.map(p -> p.getFileName().toString()).sorted().toList())
                        .containsExactly("MixedCase.TXT", "Straße");
            }
        }
    }

    @Test
    void inodeFlagsDecode() throws IOException {
        Path work = Images.scratch("flags");
        Path tree = Files.createDirectories(work.resolve("tree"));
        Files.writeString(tree.resolve("f"), "x");
        Path img = Images.mkfs(work.resolve("f.img"), "mkfs.ext4", List.of(), tree, "16M");
        Debugfs.run(img, List.of("sif /f flags 0x80030"), true); // extents | append | immutable
        try (Ext4Volume v = Images.open(img); FileSystem fs = v.fileSystem()) {
            int flags = Files.readAttributes(fs.getPath("/f"), Ext4FileAttributes.class, LinkOption.NOFOLLOW_LINKS).flags();
            assertThat(flags & (Inode.FL_IMMUTABLE | Inode.FL_APPEND | Inode.FL_EXTENTS))
                    .isEqualTo(Inode.FL_IMMUTABLE | Inode.FL_APPEND | Inode.FL_EXTENTS);
            assertThat(Files.getAttribute(fs.getPath("/f"), "ext4:flags")).isEqualTo(flags);
            assertThat(Arrays.asList(Files.readString(fs.getPath("/f")))).containsExactly("x");
        }
    }
}
