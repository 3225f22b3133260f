package io.imgtool.qcow2;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.BlockDevice;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Ring 3: images made by qemu-img and qemu-io in the test read byte-identical to
 * {@code qemu-img convert -O raw} of the same image, and their allocation map is consistent.
 */
class Qcow2CrossReadTest {

    private static final int SIZE = 6 << 20;

    @TempDir
    Path dir;

    static Stream<Arguments> variants() {
        List<Arguments> l = new ArrayList<>();
        l.add(Arguments.of("v2", new String[] {"-o", "compat=0.10"}));
        l.add(Arguments.of("v3", new String[] {"-o", "compat=1.1"}));
        l.add(Arguments.of("cluster512", new String[] {"-o", "cluster_size=512"}));
        l.add(Arguments.of("cluster4k", new String[] {"-o", "cluster_size=4096"}));
        l.add(Arguments.of("cluster64k", new String[] {"-o", "cluster_size=65536"}));
        l.add(Arguments.of("cluster2M", new String[] {"-o", "cluster_size=2097152"}));
        l.add(Arguments.of("refcount1", new String[] {"-o", "refcount_bits=1"}));
        l.add(Arguments.of("refcount16", new String[] {"-o", "refcount_bits=16"}));
        l.add(Arguments.of("refcount64", new String[] {"-o", "refcount_bits=64"}));
        l.add(Arguments.of("extendedL2", new String[] {"-o", "extended_l2=on,cluster_size=65536"}));
        l.add(Arguments.of("extendedL2-32k", new String[] {"-o", "extended_l2=on,cluster_size=32768"}));
        l.add(Arguments.of("lazyRefcounts", new String[] {"-o", "lazy_refcounts=on"}));
        l.add(Arguments.of("deflate", new String[] {"-c"}));
        l.add(Arguments.of("deflate4k", new String[] {"-c", "-o", "cluster_size=4096"}));
        l.add(Arguments.of("zstd", new String[] {"-c", "-o", "compression_type=zstd"}));
        l.add(Arguments.of("preallocMetadata", new String[] {"-o", "preallocation=metadata"}));
        l.add(Arguments.of("preallocFull", new String[] {"-o", "preallocation=full"}));
        return l.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void readsLikeQemu(String name, String[] opts) throws Exception {
        Path raw = TestImages.writeRaw(dir, "src.raw", TestImages.mixedContent(name.hashCode(), SIZE));
        Path img = dir.resolve(name + ".qcow2");
        List<String> cmd = new ArrayList<>(List.of("convert", "-f", "raw", "-O", "qcow2"));
        cmd.addAll(List.of(opts));
        cmd.addAll(List.of(raw.toString(), img.toString()));
        TestImages.qemuImg(cmd.toArray(String[]::new));
        if (!name.startsWith("prealloc") && !name.startsWith("deflate") && !name.startsWith("zstd")) {
            // Zeroed, discarded, partly overwritten regions, unaligned to clusters and subclusters.
            TestImages.qemuIo(img, "write -P 0x5a 100000 70000", "write -z 1048576 200000",
                    "discard 2097152 1048576", "write -z -u 3145728 131072", "write -P 0x33 4194816 1536",
                    "discard 5242880 4096");
        }
        assertSameAsQemu(img);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void readsLikeQemuOverBacking(String name, String[] opts) throws Exception {
        if (name.startsWith("prealloc") || name.startsWith("deflate") || name.startsWith("zstd")) {
            return; // covered by readsLikeQemu; overlays of these add nothing
        }
        Path raw = TestImages.writeRaw(dir, "base.raw", TestImages.mixedContent(7, SIZE));
        Path base = dir.resolve("base.qcow2");
        TestImages.qemuImg("convert", "-f", "raw", "-O", "qcow2", raw.toString(), base.toString());
        Path top = dir.resolve("top.qcow2");
        List<String> cmd = new ArrayList<>(List.of("create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2"));
        cmd.addAll(List.of(opts));
        cmd.add(top.toString());
        TestImages.qemuImg(cmd.toArray(String[]::new));
        TestImages.qemuIo(top, "write -P 0x5a 100000 70000", "write -z 1048576 200000",
                "discard 2097152 1048576", "write -P 0x33 4194816 1536", "write -z 5000000 65536");
        assertSameAsQemu(top);
    }

    @org.junit.jupiter.api.Test
    void threeDeepChainWithRawBottomAndRelativeNames() throws Exception {
        Path raw = TestImages.writeRaw(dir, "bottom.raw", TestImages.mixedContent(11, SIZE));
        Path sub = dir.resolve("sub");
        java.nio.file.Files.createDirectories(sub);
        TestImages.qemuImg("create", "-f", "qcow2", "-b", "../bottom.raw", "-F", "raw", sub.resolve("mid.qcow2").toString());
        TestImages.qemuIo(sub.resolve("mid.qcow2"), "write -P 0x11 65536 300000", "write -z 2000000 500000");
        TestImages.qemuImg("create", "-f", "qcow2", "-b", "sub/mid.qcow2", "-F", "qcow2", dir.resolve("top.qcow2").toString());
        TestImages.qemuIo(dir.resolve("top.qcow2"), "write -P 0x22 200000 70000", "discard 3000000 1000000");
        TestImages.qemuImg("create", "-f", "qcow2", "-b", "top.qcow2", "-F", "qcow2", "-o", "cluster_size=4096",
                dir.resolve("top2.qcow2").toString());
        TestImages.qemuIo(dir.resolve("top2.qcow2"), "write -P 0x44 1000 5000");
        assertSameAsQemu(dir.resolve("top2.qcow2"));
        try (Qcow2Image img = Qcow2Image.open(dir.resolve("top2.qcow2"), false)) {
            List<Qcow2Image.MapEntry> map = img.map(0, img.size());
            assertThat(map).extracting(Qcow2Image.MapEntry::depth).contains(0, 1, 2, 3);
        }
    }

    @org.junit.jupiter.api.Test
    void internalSnapshotReadsActiveLayer() throws Exception {
        Path raw = TestImages.writeRaw(dir, "src.raw", TestImages.mixedContent(3, SIZE));
        Path img = dir.resolve("snap.qcow2");
        TestImages.qemuImg("convert", "-f", "raw", "-O", "qcow2", raw.toString(), img.toString());
        TestImages.qemuImg("snapshot", "-c", "first", img.toString());
        TestImages.qemuIo(img, "write -P 0x77 0 300000", "discard 1048576 1048576");
        TestImages.qemuImg("snapshot", "-c", "second", img.toString());
        TestImages.qemuIo(img, "write -P 0x78 65536 4096");
        assertSameAsQemu(img);
        try (Qcow2Image q = Qcow2Image.open(img, false)) {
            assertThat(q.info().snapshots()).extracting(ImageInfo.SnapshotInfo::name).containsExactly("first", "second");
        }
        Qcow2Checker.Result r = Qcow2Checker.check(img);
        assertThat(r.corruptions()).isZero();
        assertThat(r.leaks()).isZero();
    }

    static void assertSameAsQemu(Path img) throws Exception {
        byte[] expected = TestImages.qemuRaw(img);
        try (BlockDevice dev = DiskImage.open(img, false)) {
            assertThat(dev).isInstanceOf(Qcow2Image.class);
            byte[] actual = TestImages.readAll(dev);
            assertThat(actual.length).isEqualTo(expected.length);
            if (!java.util.Arrays.equals(actual, expected)) {
                int i = java.util.Arrays.mismatch(actual, expected);
                throw new AssertionError(img + ": first difference at byte " + i);
            }
            TestImages.assertMapConsistent(dev, actual);
        }
        // And our checker agrees with qemu-img check on qemu's own image.
        Qcow2Checker.Result r = Qcow2Checker.check(img);
        assertThat(r.corruptions()).as("corruptions in " + img + ": " + r.messages()).isZero();
        assertThat(r.leaks()).as("leaks in " + img + ": " + r.messages()).isZero();
    }
}
