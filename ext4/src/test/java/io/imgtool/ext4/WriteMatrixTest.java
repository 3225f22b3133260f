package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.RawFileDevice;
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
import java.time.Instant;
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
 * The write half of the feature matrix: every family of operations (files, directories, links,
 * attributes) is applied to an image of each layout through imgtool and to a host copy of the same
 * tree through the kernel; after each family {@code e2fsck -fn} finds nothing, the image reads back
 * equal to the host tree, and debugfs agrees with imgtool on every inode and directory listing and
 * extracts the same contents.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WriteMatrixTest {

    private Path work;
    private Path tree;

    @BeforeAll
    void buildTree() throws IOException {
        ReferenceTools.require("mkfs.ext4");
        ReferenceTools.require("debugfs");
        ReferenceTools.require("getfattr");
        ReferenceTools.require("setfattr");
        work = Images.scratch("write-matrix");
        tree = work.resolve("tree");
        Trees.Report rep = Trees.build(tree, Trees.Spec.standard(42));
        if (!rep.skipped().isEmpty() && ReferenceTools.isCi()) {
            throw new AssertionError("CI must build the whole tree: " + rep.skipped());
        }
    }

    static Stream<Arguments> layouts() {
        return Stream.of(
                Arguments.of("debian-defaults", "mkfs.ext4", List.of()),
                Arguments.of("no-csum-32bit", "mkfs.ext4", List.of("-O", "^metadata_csum,^64bit")),
                Arguments.of("uninit_bg-crc16", "mkfs.ext4", List.of("-O", "^metadata_csum,uninit_bg")),
                Arguments.of("1k-blocks", "mkfs.ext4", List.of("-b", "1024")),
                Arguments.of("ext3-indirect", "mkfs.ext3", List.of()),
                Arguments.of("ext3-1k", "mkfs.ext3", List.of("-b", "1024")),
                Arguments.of("ext2", "mkfs.ext2", List.of()),
                Arguments.of("inline-data", "mkfs.ext4", List.of("-O", "inline_data")),
                Arguments.of("meta_bg", "mkfs.ext4", List.of("-O", "meta_bg,^resize_inode", "-b", "1024")),
                Arguments.of("csum-seed-largedir-128-inodes", "mkfs.ext4",
                        List.of("-O", "metadata_csum_seed,large_dir", "-I", "128")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void everyFamilyKeepsTheFilesystemCleanAndEqualToTheKernelsResult(String name, String mkfs, List<String> args)
            throws IOException {
        Path image = Images.mkfs(work.resolve(name + ".img"), mkfs, args, tree, "160M");
        Path model = work.resolve(name + "-model");
        if (Files.exists(model)) {
            WriteScenario.deleteTree(model);
        }
        ReferenceTools.runOk("cp", "-a", tree.toString(), model.toString());
        int bs;
        try (Ext4Volume v = Images.open(image)) {
            bs = v.superblock().blockSize();
        }
        for (String family : WriteScenario.FAMILIES) {
            WriteScenario.run(family, WriteScenario.host(model), 4096);
            try (Ext4Volume vol = Ext4Volume.openOwning(RawFileDevice.open(image, true),
                    Ext4Options.builder().writable(true).build())) {
                WriteScenario.run(family, WriteScenario.image(vol.fileSystem()), bs);
            }
            String fsck = Fsck.problems(image);
            assertThat(fsck).as("e2fsck -fn after family " + family).isNull();
            compare(image, model, family);
        }
    }

    private void compare(Path image, Path model, String family) throws IOException {
        Map<String, Map<String, byte[]>> hostX = TreeSnapshot.hostXattrsTree(model);
        Map<String, TreeSnapshot.Node> expected = TreeSnapshot.of(model,
                p -> hostX.getOrDefault(p.toAbsolutePath().toString(), Map.of()), false);
        try (Ext4Volume vol = Images.open(image); FileSystem fs = vol.fileSystem()) {
            Map<String, TreeSnapshot.Node> actual = TreeSnapshot.of(fs.getPath("/"), p -> {
                try {
                    return Files.getFileAttributeView(p, Ext4XattrView.class, LinkOption.NOFOLLOW_LINKS).readAll();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, false);
            actual.remove("/lost+found");
            expected.remove("/");
            actual.remove("/");
            assertThat(TreeSnapshot.diff(expected, actual)).as("after family " + family).isEmpty();
            if (family.equals("attrs")) {
                boolean nanos = vol.superblock().inodeSize() > 128;
                for (Map.Entry<String, Instant> e : WriteScenario.EXACT_TIMES.entrySet()) {
                    Path p = fs.getPath(e.getKey());
                    Instant want = nanos ? e.getValue() : e.getValue().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
                    assertThat(Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant()).isEqualTo(want);
                    assertThat(Files.getLastModifiedTime(model.resolve(e.getKey().substring(1)), LinkOption.NOFOLLOW_LINKS)
                            .toInstant()).isEqualTo(e.getValue());
                }
            }
            MatrixTest.crossCheckWithDebugfs(image, fs);
            assertThat(vol.check().problems()).as("check()").isEmpty();
        }
        Path dump = work.resolve("rdump");
        if (Files.exists(dump)) {
            WriteScenario.deleteTree(dump);
        }
        Files.createDirectories(dump);
        Debugfs.run(image, List.of("rdump / " + dump));
        Map<String, String> want = digests(model, null);
        Map<String, String> dumped = digests(dump, model);
        java.util.List<String> diff = new java.util.ArrayList<>();
        for (String k : want.keySet()) {
            if (!want.get(k).equals(dumped.get(k))) {
                diff.add(k + ": expected " + want.get(k) + ", rdump has " + dumped.get(k));
            }
        }
        for (String k : dumped.keySet()) {
            if (!want.containsKey(k)) {
                diff.add(k + ": unexpected in rdump");
            }
        }
        assertThat(diff).as("contents extracted by debugfs rdump after " + family).isEmpty();
    }

    /**
     * Path to content digest (files) or link target (links), for regular files, directories and
     * links. With {@code sizes}, a file is cut to the size of the same file there when it is longer
     * and the rest is zeroes: debugfs 1.47's rdump writes all 60 bytes of i_block for inline files.
     */
    private static Map<String, String> digests(Path root, Path sizes) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> w = Files.walk(root)) {
            for (Path p : (Iterable<Path>) w::iterator) {
                String rel = "/" + root.relativize(p);
                if (rel.startsWith("/lost+found") || rel.equals("/")) {
                    continue;
                }
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "-> " + Files.readSymbolicLink(p));
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    Path other = sizes == null ? null : sizes.resolve(rel.substring(1));
                    if (other != null && Files.isRegularFile(other, LinkOption.NOFOLLOW_LINKS)
                            && Files.size(p) > Files.size(other) && Files.size(p) <= 60) {
                        byte[] b = Files.readAllBytes(p);
                        int n = (int) Files.size(other);
                        boolean zeroTail = true;
                        for (int i = n; i < b.length; i++) {
                            zeroTail &= b[i] == 0;
                        }
                        Path cut = Files.createTempFile("cut", "");
                        Files.write(cut, java.util.Arrays.copyOf(b, n));
                        out.put(rel, zeroTail ? TreeSnapshot.sha256(cut) : "garbage past the inline size");
                        Files.delete(cut);
                    } else {
                        out.put(rel, TreeSnapshot.sha256(p));
                    }
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(rel, "dir");
                }
            }
        }
        return out;
    }
}
