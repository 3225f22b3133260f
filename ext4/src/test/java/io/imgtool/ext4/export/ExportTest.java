package io.imgtool.ext4.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.RawFileDevice;
import io.imgtool.ext4.Ext4Options;
import io.imgtool.ext4.Ext4Volume;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.Scratch;
import io.imgtool.testdata.TreeSnapshot;
import io.imgtool.testdata.Trees;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * tar-out and get: GNU tar extracts imgtool's archive (every compression) into a tree equal to the
 * source the filesystem was made from, holes included; get copies the same tree out directly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExportTest {

    private Path work;
    private Path tree;
    private Path image;
    private Map<String, TreeSnapshot.Node> expected;

    @BeforeAll
    void build() throws IOException {
        ReferenceTools.require("mkfs.ext4");
        ReferenceTools.require("tar");
        work = Scratch.dir("ext4-export");
        tree = work.resolve("tree");
        Trees.build(tree, Trees.Spec.standard(21));
        image = work.resolve("e.img");
        ReferenceTools.runOk("mkfs.ext4", "-q", "-F", "-d", tree.toString(), image.toString(), "600M");
        expected = snapshotHost(tree);
        // tar cannot hold sockets: imgtool skips them like GNU tar does
        expected.keySet().removeIf(k -> expected.get(k).type() == 's');
    }

    private static Map<String, TreeSnapshot.Node> snapshotHost(Path root) throws IOException {
        Map<String, Map<String, byte[]>> x = TreeSnapshot.hostXattrsTree(root);
        Map<String, TreeSnapshot.Node> s = TreeSnapshot.of(root, p -> x.getOrDefault(p.toAbsolutePath().toString(), Map.of()),
                true);
        s.remove("/");
        s.remove("/lost+found");
        return s;
    }

    private Ext4Volume open() throws IOException {
        return Ext4Volume.openOwning(RawFileDevice.open(image, false), Ext4Options.defaults());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"out.tar", "channel.tar", "out.tar.gz", "out.tar.xz", "out.tar.zst"})
    void gnuTarExtractsTheSourceTree(String file) throws IOException {
        Path archive = work.resolve(file);
        Files.deleteIfExists(archive);
        ExportResult r;
        try (Ext4Volume vol = open(); FileSystem fs = vol.fileSystem()) {
            if (file.startsWith("channel")) { // the direct-buffer path the CLI takes for .tar
                try (var ch = java.nio.channels.FileChannel.open(archive, java.nio.file.StandardOpenOption.CREATE_NEW,
                        java.nio.file.StandardOpenOption.WRITE)) {
                    r = TarExport.write(fs.getPath("/"), ch);
                }
            } else {
                try (OutputStream out = Files.newOutputStream(archive)) {
                    r = TarExport.write(fs.getPath("/"), out, Compression.forFileName(file));
                }
            }
        }
        if (file.endsWith(".tar")) {
            assertThat(Files.size(archive) % 10240).as("whole records").isZero();
        }
        assertThat(r.errors()).isEmpty();
        assertThat(r.skipped()).singleElement().asString().contains("socket");
        Path dest = work.resolve("x-" + file);
        ReferenceTools.runOk("rm", "-rf", dest.toString());
        Files.createDirectories(dest);
        List<String> cmd = new ArrayList<>(List.of("tar", "--xattrs", "--xattrs-include=*", "--numeric-owner",
                "-xpf", archive.toString(), "-C", dest.toString()));
        if (file.endsWith(".zst")) {
            cmd.add(1, "--zstd");
        }
        ReferenceTools.runOk(cmd.toArray(String[]::new));
        Map<String, TreeSnapshot.Node> actual = snapshotHost(dest);
        assertThat(TreeSnapshot.diff(expected, actual)).isEmpty();
        // holes stay holes: 8 MiB with three 4 KiB chunks takes a few blocks
        long blocks = Long.parseLong(ReferenceTools.runOk("stat", "-c", "%b", dest.resolve("sparse/holes").toString())
                .stdout().trim());
        assertThat(blocks * 512).isLessThan(64 * 1024);
        ReferenceTools.runOk("rm", "-rf", dest.toString());
        Files.delete(archive);
    }

    @Test
    void getCopiesTheTreeOut() throws IOException {
        Path dest = work.resolve("got");
        ReferenceTools.runOk("rm", "-rf", dest.toString());
        ExportResult r;
        try (Ext4Volume vol = open(); FileSystem fs = vol.fileSystem()) {
            r = HostExport.copy(fs.getPath("/"), dest, HostExport.Options.defaults());
        }
        assertThat(r.errors()).isEmpty();
        Map<String, TreeSnapshot.Node> actual = snapshotHost(dest);
        Map<String, TreeSnapshot.Node> want = new java.util.TreeMap<>(expected);
        if (!HostExport.isRoot()) {
            want.replaceAll((k, n) -> new TreeSnapshot.Node(n.type(), n.mode(), 0, 0, n.size(), n.sha256(), n.link(),
                    n.rdev(), n.mtimeSeconds(), n.xattrs(), n.hardLinks()));
        }
        // get copies user.* attributes only (trusted/security/ACLs are tar-out's job)
        want.replaceAll((k, n) -> new TreeSnapshot.Node(n.type(), n.mode(), n.uid(), n.gid(), n.size(), n.sha256(),
                n.link(), n.rdev(), n.mtimeSeconds(), userOnly(n.xattrs()), n.hardLinks()));
        actual.replaceAll((k, n) -> new TreeSnapshot.Node(n.type(), n.mode(), n.uid(), n.gid(), n.size(), n.sha256(),
                n.link(), n.rdev(), n.mtimeSeconds(), userOnly(n.xattrs()), n.hardLinks()));
        assertThat(TreeSnapshot.diff(want, actual)).isEmpty();
        ReferenceTools.runOk("rm", "-rf", dest.toString());
    }

    private static Map<String, String> userOnly(Map<String, String> x) {
        Map<String, String> m = new java.util.TreeMap<>();
        x.forEach((k, v) -> {
            if (k.startsWith("user.")) {
                m.put(k, v);
            }
        });
        return m;
    }

    @Test
    void singleFiles() throws IOException {
        Path dest = work.resolve("one");
        ReferenceTools.runOk("rm", "-rf", dest.toString());
        Files.createDirectories(dest);
        try (Ext4Volume vol = open(); FileSystem fs = vol.fileSystem()) {
            HostExport.copy(fs.getPath("/files/text.txt"), dest, HostExport.Options.defaults());
            HostExport.copy(fs.getPath("/files/size-4097"), dest.resolve("renamed"), HostExport.Options.defaults());
            org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                    HostExport.copy(fs.getPath("/files/text.txt"), dest, HostExport.Options.defaults()))
                    .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
        }
        assertThat(Files.readString(dest.resolve("text.txt"))).isEqualTo("hello, ext4\n");
        assertThat(Files.readAllBytes(dest.resolve("renamed"))).isEqualTo(Files.readAllBytes(tree.resolve("files/size-4097")));
    }

    @Test
    void sparseFilesPastFourGibibytesKeepTheirHoles() throws IOException {
        Path src = work.resolve("huge-src");
        Files.createDirectories(src);
        long size = (5L << 30) + 12345;
        long[] at = {4096, (4L << 30) + 7, size - 9000};
        Trees.sparseFile(src.resolve("huge"), size, at, new java.util.Random(3));
        Path img = work.resolve("huge.img");
        ReferenceTools.runOk("mkfs.ext4", "-q", "-F", "-d", src.toString(), img.toString(), "64M");
        Path archive = work.resolve("huge.tar");
        try (Ext4Volume vol = Ext4Volume.openOwning(RawFileDevice.open(img, false), Ext4Options.defaults());
             FileSystem fs = vol.fileSystem(); OutputStream out = Files.newOutputStream(archive)) {
            assertThat(TarExport.write(fs.getPath("/"), out, Compression.NONE).errors()).isEmpty();
        }
        assertThat(Files.size(archive)).isLessThan(1 << 20);
        Path dest = work.resolve("huge-x");
        ReferenceTools.runOk("rm", "-rf", dest.toString());
        Files.createDirectories(dest);
        ReferenceTools.runOk("tar", "-xpf", archive.toString(), "-C", dest.toString());
        Path got = dest.resolve("huge");
        assertThat(Files.size(got)).isEqualTo(size);
        long blocks = Long.parseLong(ReferenceTools.runOk("stat", "-c", "%b", got.toString()).stdout().trim());
        assertThat(blocks * 512).isLessThan(1 << 20);
        try (var a = java.nio.channels.FileChannel.open(got); var b = java.nio.channels.FileChannel.open(src.resolve("huge"))) {
            for (long off : at) {
                java.nio.ByteBuffer x = java.nio.ByteBuffer.allocate(9000);
                java.nio.ByteBuffer y = java.nio.ByteBuffer.allocate(9000);
                a.read(x, off - 100);
                b.read(y, off - 100);
                assertThat(x.array()).isEqualTo(y.array());
            }
        }
        ReferenceTools.runOk("rm", "-rf", dest.toString(), src.toString(), img.toString(), archive.toString());
    }
}
