package io.imgtool.qcow2;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.BlockDevice;
import io.imgtool.testdata.ReferenceTools;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Ring 3: every image imgtool writes passes {@code qemu-img check} (no errors, no leaks) and
 * {@code qemu-img compare} finds it equal to its source; qemu-img reads our deflate and zstd clusters.
 */
class Qcow2CrossWriteTest {

    private static final int SIZE = (6 << 20) + 4096 + 512;

    @TempDir
    Path dir;

    static Stream<Arguments> layouts() {
        List<Arguments> l = new ArrayList<>();
        for (int cs : new int[] {512, 4096, 65536, 2 << 20}) {
            l.add(Arguments.of("cluster" + cs, Qcow2Options.builder().clusterSize(cs), false));
        }
        l.add(Arguments.of("v2", Qcow2Options.builder().compat("0.10"), false));
        l.add(Arguments.of("refcount1", Qcow2Options.builder().refcountBits(1), false));
        l.add(Arguments.of("refcount64", Qcow2Options.builder().refcountBits(64), false));
        l.add(Arguments.of("refcount1-512", Qcow2Options.builder().refcountBits(1).clusterSize(512), false));
        l.add(Arguments.of("extendedL2", Qcow2Options.builder().extendedL2(true), false));
        l.add(Arguments.of("lazy", Qcow2Options.builder().lazyRefcounts(true), false));
        l.add(Arguments.of("deflate", Qcow2Options.builder(), true));
        l.add(Arguments.of("deflate4k", Qcow2Options.builder().clusterSize(4096), true));
        l.add(Arguments.of("deflate2M", Qcow2Options.builder().clusterSize(2 << 20), true));
        l.add(Arguments.of("zstd", Qcow2Options.builder().compression(Qcow2Options.Compression.ZSTD), true));
        l.add(Arguments.of("zstd512", Qcow2Options.builder().compression(Qcow2Options.Compression.ZSTD)
                .clusterSize(512), true));
        return l.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void convertedImagePassesQemu(String name, Qcow2Options.Builder b, boolean compress) throws Exception {
        Path raw = TestImages.writeRaw(dir, "src.raw", TestImages.mixedContent(name.hashCode(), SIZE));
        Path out = dir.resolve(name + ".qcow2");
        try (BlockDevice src = DiskImage.open(raw, false)) {
            ImageConverter.convert(src, out, ImageConverter.Options.qcow2(b.size(0).build(), compress));
        }
        TestImages.assertQemuCheckClean(out);
        ReferenceTools.runOk("qemu-img", "compare", "-f", "raw", "-F", "qcow2", raw.toString(), out.toString());
        if (compress) {
            String map = ReferenceTools.runOk("qemu-img", "map", "--output=json", out.toString()).stdout();
            if (!name.endsWith("2M")) {
                assertThat(Files.size(out)).isLessThan(SIZE);
            }
            assertThat(map).contains("\"data\": true");
        }
        // And back: qcow2 to raw through imgtool equals the source.
        Path back = dir.resolve(name + ".raw");
        try (BlockDevice src = DiskImage.open(out, false)) {
            ImageConverter.convert(src, back, ImageConverter.Options.raw());
        }
        assertThat(Files.mismatch(raw, back)).isEqualTo(-1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void randomWritesZeroesAndDiscardsPassQemu(String name, Qcow2Options.Builder b, boolean compress) throws Exception {
        Path raw = TestImages.writeRaw(dir, "src.raw", TestImages.mixedContent(1, SIZE));
        Path base = dir.resolve("base.qcow2");
        try (BlockDevice src = DiskImage.open(raw, false)) {
            ImageConverter.convert(src, base, ImageConverter.Options.qcow2(b.size(0).build(), compress));
        }
        byte[] mirror = Files.readAllBytes(raw);
        Random r = new Random(name.hashCode());
        try (Qcow2Image img = Qcow2Image.open(base, true)) {
            for (int i = 0; i < 60; i++) {
                long off = r.nextInt(SIZE - 1);
                int len = 1 + r.nextInt((int) Math.min(SIZE - off, 300_000));
                switch (r.nextInt(3)) {
                    case 0 -> {
                        byte[] d = new byte[len];
                        r.nextBytes(d);
                        img.write(ByteBuffer.wrap(d), off);
                        System.arraycopy(d, 0, mirror, (int) off, len);
                    }
                    case 1 -> {
                        img.writeZeroes(off, len);
                        java.util.Arrays.fill(mirror, (int) off, (int) off + len, (byte) 0);
                    }
                    default -> {
                        img.discard(off, len);
                        java.util.Arrays.fill(mirror, (int) off, (int) off + len, (byte) 0);
                    }
                }
                TestImages.assertSame(TestImages.readAll(img), mirror, "after op " + i + " at " + off + "+" + len);
            }
        }
        TestImages.assertQemuCheckClean(base);
        TestImages.assertSame(TestImages.qemuRaw(base), mirror, "qemu view");
        assertThat(Qcow2Checker.check(base).clean()).isTrue();
    }

    @Test
    void overlayWritesCopyOnWriteFromBacking() throws Exception {
        Path raw = TestImages.writeRaw(dir, "base.raw", TestImages.mixedContent(5, SIZE));
        Path base = dir.resolve("base.qcow2");
        TestImages.qemuImg("convert", "-f", "raw", "-O", "qcow2", "-c", raw.toString(), base.toString());
        for (boolean ext : new boolean[] {false, true}) {
            Path top = dir.resolve("top" + ext + ".qcow2");
            byte[] mirror = Files.readAllBytes(raw);
            try (Qcow2Image img = Qcow2Image.create(top, Qcow2Options.builder().extendedL2(ext)
                    .backingFile("base.qcow2", "qcow2").build())) {
                assertThat(img.size()).isEqualTo(SIZE);
                Random r = new Random(9);
                for (int i = 0; i < 40; i++) {
                    long off = r.nextInt(SIZE - 1);
                    int len = 1 + r.nextInt((int) Math.min(SIZE - off, 100_000));
                    if (i % 3 == 0) {
                        img.writeZeroes(off, len);
                        java.util.Arrays.fill(mirror, (int) off, (int) off + len, (byte) 0);
                    } else if (i % 3 == 1) {
                        img.discard(off, len);
                        java.util.Arrays.fill(mirror, (int) off, (int) off + len, (byte) 0);
                    } else {
                        byte[] d = new byte[len];
                        r.nextBytes(d);
                        img.write(ByteBuffer.wrap(d), off);
                        System.arraycopy(d, 0, mirror, (int) off, len);
                    }
                }
                TestImages.assertSame(TestImages.readAll(img), mirror, "overlay");
            }
            TestImages.assertQemuCheckClean(top);
            TestImages.assertSame(TestImages.qemuRaw(top), mirror, "qemu view");
            // qemu-img info sees the backing file and its format.
            String info = ReferenceTools.runOk("qemu-img", "info", "--output=json", top.toString()).stdout();
            assertThat(info).contains("\"backing-filename-format\": \"qcow2\"");
        }
    }

    @Test
    void resizeGrowsL1AndShrinksOnlyWhenSafe() throws Exception {
        Path p = dir.resolve("grow.qcow2");
        byte[] d = TestImages.mixedContent(3, 1 << 20);
        try (Qcow2Image img = Qcow2Image.create(p, Qcow2Options.builder().size(1 << 20).clusterSize(512).build())) {
            img.write(ByteBuffer.wrap(d), 0);
            img.resize(300L << 20); // the L1 table must move: 512-byte clusters cover 32 KiB per L2 entry
            img.write(ByteBuffer.wrap(d), 299L << 20);
        }
        TestImages.assertQemuCheckClean(p);
        try (Qcow2Image img = Qcow2Image.open(p, true)) {
            assertThat(img.size()).isEqualTo(300L << 20);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> img.resize(2 << 20))
                    .hasMessageContaining("would drop data");
            img.discard(1 << 20, (300L << 20) - (1 << 20));
            img.resize(1 << 20);
            assertThat(img.size()).isEqualTo(1 << 20);
            TestImages.assertSame(img.readBytes(0, 1 << 20), d, "after shrink");
        }
        TestImages.assertQemuCheckClean(p);
        String info = ReferenceTools.runOk("qemu-img", "info", "--output=json", p.toString()).stdout();
        assertThat(info).contains("\"virtual-size\": 1048576");
    }

    @Test
    void refcountTableGrowsWithSmallClusters() throws Exception {
        Path p = dir.resolve("small.qcow2");
        // 512-byte clusters, 16-bit refcounts: one table cluster covers 64 blocks x 256 clusters = 8 MiB.
        byte[] d = new byte[24 << 20];
        new Random(4).nextBytes(d);
        try (Qcow2Image img = Qcow2Image.create(p, Qcow2Options.builder().size(d.length).clusterSize(512).build())) {
            img.write(ByteBuffer.wrap(d), 0);
        }
        TestImages.assertQemuCheckClean(p);
        TestImages.assertSame(TestImages.qemuRaw(p), d, "qemu view");
    }
}
