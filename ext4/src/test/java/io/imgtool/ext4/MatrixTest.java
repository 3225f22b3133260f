package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.ext4.nio.Ext4FileAttributes;
import io.imgtool.ext4.nio.Ext4XattrView;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.TreeSnapshot;
import io.imgtool.testdata.Trees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The feature matrix: one generated tree copied by {@code mke2fs -d} into filesystems of every
 * common layout; imgtool must read back every file and attribute equal to the source tree, agree
 * with debugfs on every inode and directory, and find no checksum or structure problem.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MatrixTest {

    private Path work;
    private Path tree;
    private Map<String, TreeSnapshot.Node> expected;

    @BeforeAll
    void buildTree() throws IOException {
        ReferenceTools.require("mkfs.ext4");
        ReferenceTools.require("debugfs");
        ReferenceTools.require("getfattr");
        work = Images.scratch("matrix");
        tree = work.resolve("tree");
        Trees.Report rep = Trees.build(tree, Trees.Spec.standard(42));
        if (!rep.skipped().isEmpty()) {
            System.err.println("tree parts skipped: " + rep.skipped());
            if (ReferenceTools.isCi()) {
                throw new AssertionError("CI must build the whole tree: " + rep.skipped());
            }
        }
        Map<String, Map<String, byte[]>> hostX = TreeSnapshot.hostXattrsTree(tree);
        expected = TreeSnapshot.of(tree, p -> hostX.getOrDefault(p.toAbsolutePath().toString(), Map.of()), true);
        expected.remove("/");
    }

    static Stream<Arguments> layouts() {
        return Stream.of(
                Arguments.of("debian-defaults", "mkfs.ext4", List.of()),
                Arguments.of("no-csum-32bit", "mkfs.ext4", List.of("-O", "^metadata_csum,^64bit")),
                Arguments.of("uninit_bg-crc16", "mkfs.ext4", List.of("-O", "^metadata_csum,uninit_bg")),
                Arguments.of("1k-blocks", "mkfs.ext4", List.of("-b", "1024")),
                Arguments.of("2k-blocks-128-byte-inodes", "mkfs.ext4", List.of("-b", "2048", "-I", "128")),
                Arguments.of("64k-blocks", "mkfs.ext4", List.of("-b", "65536")),
                Arguments.of("ext3-indirect", "mkfs.ext3", List.of()),
                Arguments.of("ext3-1k", "mkfs.ext3", List.of("-b", "1024")),
                Arguments.of("ext2", "mkfs.ext2", List.of()),
                Arguments.of("inline-data", "mkfs.ext4", List.of("-O", "inline_data")),
                Arguments.of("meta_bg", "mkfs.ext4", List.of("-O", "meta_bg,^resize_inode", "-b", "1024")),
                Arguments.of("sparse_super2-no-flex", "mkfs.ext4", List.of("-O", "sparse_super2,^flex_bg")),
                Arguments.of("bigalloc", "mkfs.ext4", List.of("-O", "bigalloc", "-C", "16384")),
                Arguments.of("csum-seed-largedir", "mkfs.ext4", List.of("-O", "metadata_csum_seed,large_dir")),
                // e2fsck -D indexes every directory of more than one block: lookups then go through htrees.
                Arguments.of("indexed-by-e2fsck-D", "mkfs.ext4", List.of("-b", "1024", "+e2fsck-D")),
                Arguments.of("ext3-indexed", "mkfs.ext3", List.of("+e2fsck-D")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void readsTheTreeAsTheSourceAndDebugfsSeeIt(String name, String mkfs, List<String> args) throws IOException {
        boolean index = args.contains("+e2fsck-D");
        List<String> mkfsArgs = args.stream().filter(a -> !a.startsWith("+")).toList();
        Path image = Images.mkfs(work.resolve(name + ".img"), mkfs, mkfsArgs, tree, "600M");
        if (index) {
            ReferenceTools.Result r = ReferenceTools.run("e2fsck", "-fyD", image.toString());
            assertThat(r.exit()).as(r.describe()).isIn(0, 1);
            assertThat(Debugfs.run(image, List.of("htree_dump /wide"))).contains("Hash Version");
        }
        try (Ext4Volume vol = Images.open(image); FileSystem fs = vol.fileSystem()) {
            Path root = fs.getPath("/");
            Map<String, TreeSnapshot.Node> actual = TreeSnapshot.of(root, p -> {
                try {
                    return Files.getFileAttributeView(p, Ext4XattrView.class, LinkOption.NOFOLLOW_LINKS).readAll();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, true);
            actual.remove("/");
            actual.keySet().removeIf(k -> k.equals("/lost+found"));
            assertThat(TreeSnapshot.diff(expected, actual)).as("differences from the source tree").isEmpty();

            crossCheckWithDebugfs(image, fs);
            assertThat(vol.problems()).as("problems while reading").isEmpty();
            Ext4CheckReport report = vol.check();
            assertThat(report.problems()).as("check()").isEmpty();
            assertThat(report.inodesChecked()).isGreaterThan(expected.size());
        }
    }

    /** Every inode's attributes and every directory's entries as debugfs reports them. */
    static void crossCheckWithDebugfs(Path image, FileSystem fs) throws IOException {
        Map<Long, Ext4FileAttributes> ours = new TreeMap<>();
        Map<Long, Map<String, Long>> listings = new HashMap<>();
        List<Path> all;
        try (Stream<Path> s = Files.walk(fs.getPath("/"))) {
            all = s.toList();
        }
        for (Path p : all) {
            Ext4FileAttributes a = Files.readAttributes(p, Ext4FileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            ours.put(a.inode(), a);
            if (a.isDirectory()) {
                Map<String, Long> entries = new TreeMap<>();
                try (var ds = Files.newDirectoryStream(p)) {
                    for (Path c : ds) {
                        entries.put(c.getFileName().toString(),
                                Files.readAttributes(c, Ext4FileAttributes.class, LinkOption.NOFOLLOW_LINKS).inode());
                    }
                }
                listings.put(a.inode(), entries);
            }
        }
        Map<Long, Debugfs.Stat> theirs = Debugfs.stat(image, new ArrayList<>(ours.keySet()));
        assertThat(theirs.keySet()).containsExactlyInAnyOrderElementsOf(ours.keySet());
        for (Map.Entry<Long, Ext4FileAttributes> e : ours.entrySet()) {
            Ext4FileAttributes a = e.getValue();
            Debugfs.Stat d = theirs.get(e.getKey());
            String what = "inode " + e.getKey();
            assertThat(a.mode() & 07777).as(what + " mode").isEqualTo(d.mode() & 07777);
            assertThat(a.uid()).as(what + " uid").isEqualTo(d.uid());
            assertThat(a.gid()).as(what + " gid").isEqualTo(d.gid());
            assertThat(a.flags() & 0xffffffffL).as(what + " flags").isEqualTo(d.flags());
            assertThat(a.generation()).as(what + " generation").isEqualTo(d.generation());
            assertThat(a.linkCount()).as(what + " links").isEqualTo(d.links());
            assertThat(a.blocks()).as(what + " blockcount").isEqualTo(d.blockcount());
            if (a.isRegularFile() || a.isDirectory() || a.isSymbolicLink()) {
                assertThat(a.size()).as(what + " size").isEqualTo(d.size());
            }
            assertThat(hexTime(a.lastModifiedTime().toInstant(), d.times().get("mtime")))
                    .as(what + " mtime").isEqualTo(d.times().get("mtime"));
            assertThat(hexTime(a.lastAccessTime().toInstant(), d.times().get("atime")))
                    .as(what + " atime").isEqualTo(d.times().get("atime"));
            assertThat(hexTime(a.changeTime().toInstant(), d.times().get("ctime")))
                    .as(what + " ctime").isEqualTo(d.times().get("ctime"));
            if (d.times().containsKey("crtime")) {
                assertThat(a.birthTime()).as(what + " crtime").isPresent();
                assertThat(hexTime(a.birthTime().get().toInstant(), d.times().get("crtime")))
                        .as(what + " crtime").isEqualTo(d.times().get("crtime"));
            }
        }
        Map<Long, Map<String, Long>> dl = Debugfs.list(image, new ArrayList<>(listings.keySet()));
        for (Map.Entry<Long, Map<String, Long>> e : listings.entrySet()) {
            assertThat(new TreeMap<>(dl.get(e.getKey()))).as("listing of directory inode " + e.getKey())
                    .isEqualTo(e.getValue());
        }
    }

    /** Formats an instant the way debugfs prints a time field: 0xSECONDS[:EXTRA]. */
    static String hexTime(java.time.Instant t, String like) {
        long sec = t.getEpochSecond();
        long lo = sec & 0xffffffffL;
        if (like == null || !like.contains(":")) {
            return String.format("0x%08x", lo);
        }
        long epoch = (sec - (int) lo) >> 32;
        long extra = ((long) t.getNano() << 2) | (epoch & 3);
        return String.format("0x%08x:%08x", lo, extra);
    }
}
