package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.RawFileDevice;
import io.imgtool.ext4.mkfs.Ext4Formatter;
import io.imgtool.ext4.mkfs.MkfsResult;
import io.imgtool.ext4.mkfs.XattrSource;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * mkfs from a generated host tree (every file kind, owners, modes, times, user/trusted/security
 * xattrs, ACLs, capabilities, hard links, sparse files, specials) in every supported layout:
 * {@code e2fsck -fn} finds nothing; imgtool's reader sees the source tree exactly; debugfs agrees
 * with the reader on every inode and directory; {@code check()} finds no checksum problem.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MkfsRoundTripTest {

    private Path work;
    private Path tree;
    private Map<String, TreeSnapshot.Node> expected;
    private Map<String, Map<String, byte[]>> hostX;

    @BeforeAll
    void buildTree() throws IOException {
        ReferenceTools.require("e2fsck");
        ReferenceTools.require("debugfs");
        ReferenceTools.require("getfattr");
        work = Images.scratch("mkfs-roundtrip");
        tree = work.resolve("tree");
        Trees.Report rep = Trees.build(tree, Trees.Spec.standard(7).withBigDir(3000));
        if (!rep.skipped().isEmpty()) {
            System.err.println("tree parts skipped: " + rep.skipped());
            if (ReferenceTools.isCi()) {
                throw new AssertionError("CI must build the whole tree: " + rep.skipped());
            }
        }
        hostX = TreeSnapshot.hostXattrsTree(tree);
        expected = TreeSnapshot.of(tree, p -> hostX.getOrDefault(p.toAbsolutePath().toString(), Map.of()), true);
        expected.remove("/");
    }

    /** Every namespace, from getfattr (Java sees only user.* on the host). */
    XattrSource getfattr() {
        return (file, rel) -> hostX.getOrDefault(file.toAbsolutePath().toString(), Map.of());
    }

    static Stream<Arguments> layouts() {
        return Stream.of(
                Arguments.of("debian-defaults", "", 0, 600),
                Arguments.of("1k-blocks", "", 1024, 300),
                Arguments.of("no-csum-32bit", "^metadata_csum,^64bit", 0, 600),
                Arguments.of("uninit_bg-crc16", "^metadata_csum,uninit_bg", 0, 600),
                Arguments.of("no-journal", "^has_journal", 0, 600),
                Arguments.of("no-flex-no-resize", "^flex_bg,^resize_inode", 4096, 300),
                Arguments.of("2k-blocks", "", 2048, 300),
                Arguments.of("64k-blocks", "", 65536, 800),
                Arguments.of("csum-seed-largedir", "metadata_csum_seed,large_dir", 0, 600));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void treeRoundTrips(String name, String features, int blockSize, int mib) throws IOException {
        Path image = work.resolve(name + ".img");
        Files.deleteIfExists(image);
        MkfsResult res;
        try (RawFileDevice dev = RawFileDevice.create(image, (long) mib << 20)) {
            Ext4Formatter.Builder b = Ext4Formatter.builder().blockSize(blockSize).features(features)
                    .label("rt-" + name.substring(0, Math.min(12, name.length())))
                    .uuid(UUID.fromString("8f1c0c39-3a55-4b9e-a4ad-1f54b1c2d3e4"))
                    .xattrs(getfattr()).assumeZeroed(true);
            res = b.build().format(dev, tree);
        }
        assertThat(res.skipped()).isEmpty();
        MkfsTool.fsckClean(image);
        String head = ReferenceTools.runOk("dumpe2fs", "-h", image.toString()).stdout();
        assertThat(head).contains("8f1c0c39-3a55-4b9e-a4ad-1f54b1c2d3e4").contains("rt-");
        for (String f : res.features()) {
            assertThat(head).as("dumpe2fs features").containsPattern("Filesystem features:.*\\b" + f + "\\b");
        }
        if (!features.contains("^dir_index")) {
            assertThat(Debugfs.run(image, List.of("htree_dump /bigdir"))).as("bigdir is hashed")
                    .contains("Root node dump:").contains("Hash Version: 1");
        }
        try (Ext4Volume vol = Images.open(image); FileSystem fs = vol.fileSystem()) {
            Map<String, TreeSnapshot.Node> actual = TreeSnapshot.of(fs.getPath("/"), p -> {
                try {
                    return Files.getFileAttributeView(p, Ext4XattrView.class, LinkOption.NOFOLLOW_LINKS).readAll();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, true);
            actual.remove("/");
            actual.remove("/lost+found");
            assertThat(TreeSnapshot.diff(expected, actual)).as("differences from the source tree").isEmpty();
            MatrixTest.crossCheckWithDebugfs(image, fs);
            assertThat(vol.problems()).isEmpty();
            assertThat(vol.check().problems()).isEmpty();
        }
        Files.deleteIfExists(image);
    }
}
