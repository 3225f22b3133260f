package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.imgtool.core.ImageException;
import io.imgtool.core.ImageFormatException;
import io.imgtool.core.RawFileDevice;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.ext4.internal.FsContext;
import io.imgtool.ext4.nio.Ext4FileAttributeView;
import io.imgtool.ext4.nio.Ext4FileAttributes;
import io.imgtool.ext4.nio.Ext4XattrView;
import io.imgtool.ext4.ondisk.Checksums;
import io.imgtool.ext4.ondisk.DirEntry;
import io.imgtool.ext4.ondisk.ExtentHeader;
import io.imgtool.ext4.ondisk.Inode;
import io.imgtool.ext4.ondisk.Le;
import io.imgtool.ext4.ondisk.Superblock;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.Scratch;
import io.imgtool.testdata.Trees;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.FileSystem;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * One structure damaged at a time (checksums recomputed where the damage is not the checksum, so the
 * intended check is the one that fires): a clear error naming that structure, and a walk of the
 * rest of the tree that still reads every other file. Every case runs under a time limit.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CorruptionTest {

    private Path work;
    private Path pristine;
    private Path indexedPristine;
    private int total;

    @BeforeAll
    void build() throws IOException {
        ReferenceTools.require("mkfs.ext4");
        work = Images.scratch("corrupt");
        Path tree = work.resolve("tree");
        Trees.build(tree, Trees.Spec.plain(3));
        Files.write(tree.resolve("victim"), "victim data".getBytes());
        Path frag = tree.resolve("fragmented");
        // 40 data chunks between holes: 40 extents, an extent tree of depth 1.
        long[] at = new long[40];
        for (int i = 0; i < at.length; i++) {
            at[i] = i * 65536L;
        }
        Trees.sparseFile(frag, 40 * 65536L, at, new Random(1));
        Files.createDirectories(tree.resolve("victimdir"));
        for (int i = 0; i < 50; i++) {
            Files.writeString(tree.resolve("victimdir").resolve("f" + i), "x" + i);
        }
        Files.write(tree.resolve("xattr-victim"), new byte[10]);
        ReferenceTools.runOk("setfattr", "-n", "user.big", "-v", "0x" + "ab".repeat(300), tree.resolve("xattr-victim").toString());
        pristine = Images.mkfs(work.resolve("pristine.img"), "mkfs.ext4", List.of("-b", "4096", "-g", "4096"), tree, "64M");
        try (Ext4Volume v = Images.open(pristine); FileSystem fs = v.fileSystem()) {
            total = walk(fs).ok;
            assertThat(Files.readAttributes(fs.getPath("/fragmented"), Ext4FileAttributes.class).flags()
                    & Inode.FL_EXTENTS).isNotZero();
        }
        Path big = work.resolve("bigtree");
        Files.createDirectories(big.resolve("d"));
        for (int i = 0; i < 6000; i++) {
            Files.createFile(big.resolve("d").resolve(String.format("a-rather-long-file-name-for-many-blocks-%05d", i)));
        }
        indexedPristine = Images.mkfs(work.resolve("indexed.img"), "mkfs.ext4", List.of("-b", "1024"), big, "64M");
        ReferenceTools.Result r = ReferenceTools.run("e2fsck", "-fyD", indexedPristine.toString());
        assertThat(r.exit()).isIn(0, 1);
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private record WalkResult(int ok, Map<String, String> errors) {
    }

    /** Walks everything, reading attributes, xattrs, contents and link targets; errors per path, never stops. */
    private static WalkResult walk(FileSystem fs) throws IOException {
        Map<String, String> errors = new TreeMap<>();
        int[] ok = {0};
        Files.walkFileTree(fs.getPath("/"), new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                try {
                    Files.readAttributes(file, Ext4FileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    Files.getFileAttributeView(file, Ext4XattrView.class, LinkOption.NOFOLLOW_LINKS).readAll();
                    if (attrs.isRegularFile()) {
                        try (var in = Files.newInputStream(file)) {
                            in.transferTo(java.io.OutputStream.nullOutputStream());
                        }
                    } else if (attrs.isSymbolicLink()) {
                        Files.readSymbolicLink(file);
                    }
                    ok[0]++;
                } catch (IOException | RuntimeException e) {
                    errors.put(file.toString(), e.toString());
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                errors.put(file.toString(), exc.toString());
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) {
                if (exc != null) {
                    errors.put(dir.toString(), exc.toString());
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return new WalkResult(ok[0], errors);
    }

    private Path copy(String name) throws IOException {
        return copy(pristine, name);
    }

    private Path copy(Path from, String name) throws IOException {
        Path p = work.resolve(name + ".img");
        Scratch.copy(from, p);
        return p;
    }

    /** Facts about a file needed to damage it: its inode number, the inode's offset, the fs context. */
    private record Where(long ino, long inodeOffset, int inodeSize, Superblock sb, long firstBlock) {
    }

    private static Where locate(Path img, String path) throws IOException {
        try (Ext4Volume v = Images.open(img); FileSystem fs = v.fileSystem()) {
            Ext4FileAttributes a = Files.readAttributes(fs.getPath(path), Ext4FileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            FsContext c = v.engine().fs;
            long first = -1;
            if (a.isRegularFile() || a.isDirectory()) {
                var ex = Files.getFileAttributeView(fs.getPath(path), Ext4FileAttributeView.class).extents();
                first = ex.stream().filter(e -> e.type() == FileExtent.Type.DATA).findFirst()
                        .map(e -> e.physicalOffset()).orElse(-1L);
            }
            return new Where(a.inode(), c.inodeOffset(a.inode()), c.geo.inodeSize, c.sb, first);
        }
    }

    private static byte[] read(Path img, long off, int len) throws IOException {
        try (RawFileDevice d = RawFileDevice.open(img, false)) {
            return d.readBytes(off, len);
        }
    }

    private static void write(Path img, long off, byte[] b) throws IOException {
        try (RawFileDevice d = RawFileDevice.open(img, true)) {
            d.write(ByteBuffer.wrap(b), off);
        }
    }

    /** Changes an inode with {@code edit}, then gives it a correct checksum. */
    private static void editInode(Path img, Where w, java.util.function.Consumer<byte[]> edit) throws IOException {
        byte[] raw = read(img, w.inodeOffset(), w.inodeSize());
        edit.accept(raw);
        Inode in = Inode.of(raw);
        Checksums.of(w.sb()).setInode(w.ino(), in);
        write(img, w.inodeOffset(), in.toBytes());
    }

    private static void assertRestReadable(FileSystem fs, int expectedOk, String... damaged) throws IOException {
        WalkResult r = walk(fs);
        assertThat(r.errors().keySet()).containsExactlyInAnyOrder(damaged);
        assertThat(r.ok()).isEqualTo(expectedOk);
    }

    private static <T> T limited(org.junit.jupiter.api.function.ThrowingSupplier<T> s) {
        return assertTimeoutPreemptively(Duration.ofSeconds(30), s);
    }

    // ---- superblock -------------------------------------------------------------------------------

    @Test
    void badSuperblockMagic() throws IOException {
        Path img = copy("bad-magic");
        write(img, Superblock.OFFSET + 0x38, new byte[] {0x12, 0x34});
        assertThatThrownBy(() -> Images.open(img)).isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("s_magic").hasMessageContaining("0x3412");
    }

    @Test
    void unknownIncompatibleFeatureRefusesUnknownReadOnlyFeatureReads() throws IOException {
        Path img = copy("features");
        Superblock sb = Superblock.parse(ByteBuffer.wrap(read(img, Superblock.OFFSET, Superblock.SIZE)));
        byte[] raw = sb.toBytes();
        Le.put32(raw, 0x60, sb.featureIncompat() | 0x40000000);
        Superblock changed = Superblock.parse(ByteBuffer.wrap(raw));
        Checksums.of(changed).setSuperblock(changed);
        write(img, Superblock.OFFSET, changed.toBytes());
        assertThatThrownBy(() -> Images.open(img)).isInstanceOf(UnsupportedFeatureException.class)
                .hasMessageContaining("FEATURE_I30");

        raw = sb.toBytes();
        Le.put32(raw, 0x64, sb.featureRoCompat() | 0x40000000);
        changed = Superblock.parse(ByteBuffer.wrap(raw));
        Checksums.of(changed).setSuperblock(changed);
        write(img, Superblock.OFFSET, changed.toBytes());
        try (Ext4Volume v = Images.open(img); FileSystem fs = v.fileSystem()) {
            assertRestReadable(fs, total);
        }
    }

    @Test
    void superblockChecksumMismatch() throws IOException {
        Path img = copy("sb-csum");
        write(img, Superblock.OFFSET + 0x78, "tampered".getBytes()); // volume name, checksum left stale
        assertThatThrownBy(() -> Images.open(img)).isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("s_checksum");
        try (Ext4Volume v = Images.open(img, Ext4Options.builder().checksums(ChecksumPolicy.REPORT).build());
             FileSystem fs = v.fileSystem()) {
            assertThat(v.problems()).anyMatch(p -> p.kind() == Ext4Problem.Kind.CHECKSUM
                    && p.structure().equals("ext4 superblock"));
            assertRestReadable(fs, total);
        }
    }

    @Test
    void truncatedImage() throws IOException {
        Path img = copy("truncated");
        try (var raf = new java.io.RandomAccessFile(img.toFile(), "rw")) {
            raf.setLength(raf.length() / 2);
        }
        assertThatThrownBy(() -> Images.open(img)).isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("does not fit");
    }

    // ---- inodes and mappings ----------------------------------------------------------------------

    @Test
    void extentHeaderBadMagic() throws IOException {
        Path img = copy("extent-magic");
        Where w = locate(img, "/victim");
        editInode(img, w, raw -> Le.put16(raw, Inode.BLOCK_OFFSET, 0xBEEF));
        try (Ext4Volume v = Images.open(img); FileSystem fs = v.fileSystem()) {
            assertThatThrownBy(() -> Files.readAllBytes(fs.getPath("/victim"))).isInstanceOf(ImageFormatException.class)
                    .hasMessageContaining("eh_magic").hasMessageContaining("0xbeef");
            limited(() -> {
                assertRestReadable(fs, total - 1, "/victim");
                return null;
            });
        }
    }

    @Test
    void extentTreeDepthLoop() throws IOException {
        Path img = copy("extent-loop");
        Where w = locate(img, "/fragmented");
        byte[] inode = read(img, w.inodeOffset(), w.inodeSize());
        ExtentHeader root = ExtentHeader.parse(inode, Inode.BLOCK_OFFSET);
        assertThat(root.depth()).as("the fragmented file has an index node").isGreaterThanOrEqualTo(1);
        long leaf = io.imgtool.ext4.ondisk.ExtentIndex.parse(inode, Inode.BLOCK_OFFSET + 12).leafBlock();
        // The leaf claims depth 1 and indexes itself.
        byte[] b = read(img, leaf * 4096, 4096);
        ExtentHeader h = ExtentHeader.parse(b, 0);
        new ExtentHeader(h.magic(), 1, h.max(), 1, h.generation()).writeTo(b, 0);
        new io.imgtool.ext4.ondisk.ExtentIndex(0, leaf, 0).writeTo(b, 12);
        Checksums c = Checksums.of(w.sb());
        c.setExtentBlock(c.inodeSeed(w.ino(), Inode.of(inode).generation()), b, ExtentHeader.parse(b, 0));
        write(img, leaf * 4096, b);
        try (Ext4Volume v = Images.open(img); FileSystem fs = v.fileSystem()) {
            assertThatThrownBy(() -> limited(() -> Files.readAllBytes(fs.getPath("/fragmented"))))
                    .isInstanceOf(ImageFormatException.class).hasMessageContaining("eh_depth");
            limited(() -> {
                assertRestReadable(fs, total - 1, "/fragmented");
                return null;
            });
            assertThat(v.check().problems()).anyMatch(p -> p.message().contains("eh_depth"));
        }
    }

    @Test
    void extentPastTheEndOfTheFilesystem() throws IOException {
        Path img = copy("extent-past-end");
        Where w = locate(img, "/victim");
        long blocks = w.sb().blocksCount();
        editInode(img, w, raw -> {
            int e = Inode.BLOCK_OFFSET + 12;
            Le.put32(raw, e + 8, blocks - 2);
            Le.put16(raw, e + 6, 0);
            Le.put16(raw, e + 4, 10);
        });
        try (Ext4Volume v = Images.open(img); FileSystem fs = v.fileSystem()) {
            assertThatThrownBy(() -> Files.readAllBytes(fs.getPath("/victim"))).isInstanceOf(ImageFormatException.class)
                    .hasMessageContaining("past the end of the filesystem");
            assertRestReadable(fs, total - 1, "/victim");
        }
    }

    @Test
    void hugeSizesNeitherHangNorExhaustMemory() throws IOException {
        Path img = copy("huge-size");
        Where w = locate(img, "/victim");
        editInode(img, w, raw -> {
            Le.put32(raw, 0x4, 0xffffffffL);
            Le.put32(raw, 0x6C, 0xffffffffL);
        });
        Where d = locate(img, "/victimdir");
        editInode(img, d, raw -> {
            Le.put32(raw, 0x4, 0xfffff000L);
            Le.put32(raw, 0x6C, 0x7fffffffL);
        });
        try (Ext4Volume v = Images.open(img); FileSystem fs = v.fileSystem()) {
            assertThatThrownBy(() -> Files.newInputStream(fs.getPath("/victim"))).isInstanceOf(ImageFormatException.class)
                    .hasMessageContaining("i_size");
            // The directory's size is absurd but only its mapped blocks are read: a normal listing.
            List<Path> entries = limited(() -> {
                try (var s = Files.list(fs.getPath("/victimdir"))) {
                    return s.toList();
                }
            });
            assertThat(entries).hasSize(50);
            limited(() -> {
                assertRestReadable(fs, total - 1, "/victim");
                return null;
            });
        }
    }

    @Test
    void inodeChecksumMismatchStrictAndReport() throws IOException {
        Path img = copy("inode-csum");
        Where w = locate(img, "/victim");
        byte[] raw = read(img, w.inodeOffset(), w.inodeSize());
        raw[0x24] ^= 0x5a; // osd1, checksum left stale
        write(img, w.inodeOffset(), raw);
        try (Ext4Volume v = Images.open(img); FileSystem fs = v.fileSystem()) {
            assertThatThrownBy(() -> Files.readAttributes(fs.getPath("/victim"), Ext4FileAttributes.class))
                    .isInstanceOf(ImageFormatException.class).hasMessageContaining("ext4 inode " + w.ino())
                    .hasMessageContaining("checksum");
            assertRestReadable(fs, total - 1, "/victim");
        }
        try (Ext4Volume v = Images.open(img, Ext4Options.builder().checksums(ChecksumPolicy.REPORT).build());
             FileSystem fs = v.fileSystem()) {
            assertRestReadable(fs, total);
            assertThat(v.problems()).anyMatch(p -> p.kind() == Ext4Problem.Kind.CHECKSUM
                    && p.structure().equals("ext4 inode " + w.ino()));
        }
    }

    @Test
    void directoryEntryInodeOutOfRange() throws IOException {
        Path img = copy("dirent-ino");
        Where d = locate(img, "/victimdir");
        damageDirBlock(img, d, (b, off) -> Le.put32(b, off, 0x7fffffff));
        expectDamagedDirectory(img, "inode 2147483647 out of range");
    }

    @Test
    void directoryRecLenZero() throws IOException {
        Path img = copy("dirent-reclen0");
        Where d = locate(img, "/victimdir");
        damageDirBlock(img, d, (b, off) -> Le.put16(b, off + 4, 0));
        expectDamagedDirectory(img, "rec_len 0");
    }

    @Test
    void directoryRecLenPastTheBlock() throws IOException {
        Path img = copy("dirent-reclen-big");
        Where d = locate(img, "/victimdir");
        damageDirBlock(img, d, (b, off) -> Le.put16(b, off + 4, 8192));
        expectDamagedDirectory(img, "past the end of the block");
    }

    /** Damages the entry after "." and ".." (the third entry) of the directory's first block. */
    private static void damageDirBlock(Path img, Where d, java.util.function.BiConsumer<byte[], Integer> edit)
            throws IOException {
        long off = d.firstBlock();
        byte[] b = read(img, off, 4096);
        int e = DirEntry.decodeRecLen(Le.u16(b, 4), 4096);
        e += DirEntry.decodeRecLen(Le.u16(b, e + 4), 4096);
        edit.accept(b, e);
        Checksums c = Checksums.of(d.sb());
        Inode in = Inode.of(read(img, d.inodeOffset(), d.inodeSize()));
        c.setDirLeaf(c.inodeSeed(d.ino(), in.generation()), b, 4096);
        write(img, off, b);
    }

    private void expectDamagedDirectory(Path img, String message) throws IOException {
        try (Ext4Volume v = Images.open(img); FileSystem fs = v.fileSystem()) {
            List<Path> seen = new ArrayList<>();
            assertThatThrownBy(() -> limited(() -> {
                try (var ds = Files.newDirectoryStream(fs.getPath("/victimdir"))) {
                    ds.forEach(seen::add);
                }
                return null;
            })).isInstanceOf(DirectoryIteratorException.class).hasRootCauseInstanceOf(ImageFormatException.class)
                    .hasStackTraceContaining(message);
            WalkResult r = limited(() -> walk(fs));
            assertThat(r.errors()).containsOnlyKeys("/victimdir");
            assertThat(r.ok()).isEqualTo(total - 50);
        }
        try (Ext4Volume v = Images.open(img, Ext4Options.builder().checksums(ChecksumPolicy.REPORT).build());
             FileSystem fs = v.fileSystem()) {
            WalkResult r = limited(() -> walk(fs));
            assertThat(r.errors()).isEmpty();
            assertThat(v.problems()).anyMatch(p -> p.kind() == Ext4Problem.Kind.CORRUPT && p.message().contains(message));
        }
    }

    @Test
    void directoryBlockChecksumMismatch() throws IOException {
        Path img = copy("dir-csum");
        Where d = locate(img, "/victimdir");
        byte[] b = read(img, d.firstBlock(), 4096);
        b[4096 - 1] ^= 1; // the stored checksum
        write(img, d.firstBlock(), b);
        try (Ext4Volume v = Images.open(img); FileSystem fs = v.fileSystem()) {
            assertThatThrownBy(() -> {
                try (var s = Files.list(fs.getPath("/victimdir"))) {
                    s.count();
                }
            }).hasStackTraceContaining("directory block checksum");
        }
        try (Ext4Volume v = Images.open(img, Ext4Options.builder().checksums(ChecksumPolicy.REPORT).build());
             FileSystem fs = v.fileSystem()) {
            try (var s = Files.list(fs.getPath("/victimdir"))) {
                assertThat(s.count()).isEqualTo(50);
            }
            assertThat(v.problems()).anyMatch(p -> p.kind() == Ext4Problem.Kind.CHECKSUM);
        }
    }

    @Test
    void xattrBlockBadMagic() throws IOException {
        Path img = copy("xattr-magic");
        Where w = locate(img, "/xattr-victim");
        long blk = Inode.of(read(img, w.inodeOffset(), w.inodeSize())).fileAcl();
        assertThat(blk).as("value too big for the inode: in a block").isNotZero();
        write(img, blk * 4096, new byte[] {1, 2, 3, 4});
        try (Ext4Volume v = Images.open(img); FileSystem fs = v.fileSystem()) {
            assertThatThrownBy(() -> Files.getFileAttributeView(fs.getPath("/xattr-victim"), Ext4XattrView.class).readAll())
                    .isInstanceOf(ImageFormatException.class).hasMessageContaining("h_magic");
            assertRestReadable(fs, total - 1, "/xattr-victim");
        }
    }

    @Test
    void groupDescriptorChecksumMismatchIsReported() throws IOException {
        Path img = copy("gd-csum");
        long last;
        long off;
        try (Ext4Volume v = Images.open(img)) {
            FsContext c = v.engine().fs;
            last = c.groupCount() - 1;
            off = c.geo.descriptorBlock(last / c.geo.descPerBlock) * 4096 + (last % c.geo.descPerBlock) * c.geo.descSize;
        }
        byte[] gd = read(img, off, 2);
        gd[0] ^= 0x40;
        write(img, off + 0x1E, gd); // bg_checksum
        try (Ext4Volume v = Images.open(img); FileSystem fs = v.fileSystem()) {
            assertThat(v.problems()).anyMatch(p -> p.structure().equals("ext4 group descriptor " + last)
                    && p.kind() == Ext4Problem.Kind.CHECKSUM);
            assertRestReadable(fs, total);
        }
    }

    // ---- htree ------------------------------------------------------------------------------------

    @Test
    void htreeLoopFallsBackToALinearSearch() throws IOException {
        Path img = copy(indexedPristine, "htree-loop");
        Where d = locate(img, "/d");
        String dump = Debugfs.run(img, List.of("htree_dump /d"));
        assertThat(dump).contains("Indirect levels: 1");
        // Point the root's second index entry at block 0, the root itself.
        long rootOff = d.firstBlock();
        byte[] b = read(img, rootOff, 1024);
        Le.put32(b, 0x20 + 8 + 4, 0);
        write(img, rootOff, b); // dx checksum now stale too: the index is unusable either way
        try (Ext4Volume v = Images.open(img, Ext4Options.builder().checksums(ChecksumPolicy.REPORT).build());
             FileSystem fs = v.fileSystem()) {
            List<String> names;
            try (var s = Files.list(fs.getPath("/d"))) {
                names = s.map(p -> p.getFileName().toString()).toList();
            }
            assertThat(names).hasSize(6000);
            v.engine().resolver.forgetAll();
            limited(() -> {
                for (String n : names) {
                    assertThat(Files.exists(fs.getPath("/d", n), LinkOption.NOFOLLOW_LINKS)).as(n).isTrue();
                }
                return null;
            });
            assertThat(v.problems()).anyMatch(p -> p.message().contains("loop") || p.message().contains("checksum"));
        }
    }

    @Test
    void errorsCarryKindStructureAndOffset() throws IOException {
        Path img = copy("kind");
        Where w = locate(img, "/victim");
        editInode(img, w, raw -> Le.put16(raw, Inode.BLOCK_OFFSET, 0xBEEF));
        try (Ext4Volume v = Images.open(img); FileSystem fs = v.fileSystem()) {
            ImageException e = (ImageException) org.assertj.core.api.Assertions.catchThrowable(
                    () -> Files.readAllBytes(fs.getPath("/victim")));
            assertThat(e.kind()).isEqualTo(ImageException.Kind.CORRUPT);
            assertThat(e.structure()).contains("inode " + w.ino());
            assertThat(e.field()).isEqualTo("eh_magic");
            assertThat(e.offset()).isEqualTo(w.inodeOffset() + Inode.BLOCK_OFFSET);
        }
    }
}
