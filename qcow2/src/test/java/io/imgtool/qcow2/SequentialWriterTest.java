package io.imgtool.qcow2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.ImageException;
import io.imgtool.qcow2.internal.Codec;
import io.imgtool.qcow2.internal.Creator;
import io.imgtool.qcow2.internal.Header;
import io.imgtool.qcow2.internal.OutputFile;
import io.imgtool.qcow2.internal.SequentialWriter;
import io.imgtool.testdata.ReferenceTools;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sequential writer behind convert: whatever mix of skipped, plain and compressed clusters it
 * is given, in any geometry (cluster sizes, refcount widths down to 1 bit and up to 64, extended L2),
 * the image passes {@code qemu-img check} with no leaks, reads back what was written through qemu-img
 * and through imgtool, and lays data out contiguously in guest order.
 */
class SequentialWriterTest {

    @TempDir
    Path dir;

    /** One geometry and a guest-ordered list of cluster kinds: 0 skip, 1 plain, 2 compressible, 3 text. */
    record Plan(int clusterBits, int refcountOrder, boolean extendedL2, int zstd, long size, List<Integer> kinds,
                long seed) {
    }

    @Provide
    Arbitrary<Plan> plans() {
        Arbitrary<Integer> bits = Arbitraries.of(9, 10, 12, 14, 16);
        Arbitrary<Integer> order = Arbitraries.integers().between(0, 6);
        Arbitrary<Boolean> ext = Arbitraries.of(false, true);
        Arbitrary<Integer> zstd = Arbitraries.of(0, 1);
        Arbitrary<Integer> tail = Arbitraries.integers().between(0, 127); // 512-byte sectors short of a cluster
        Arbitrary<List<Integer>> kinds = Arbitraries.integers().between(0, 3).list().ofMinSize(1).ofMaxSize(400);
        Arbitrary<Long> seed = Arbitraries.longs();
        return Combinators.combine(bits, order, ext, zstd, tail, kinds, seed).as((b, o, e, z, t, k, s) -> {
            boolean extended = e && b >= 14;
            // QEMU sizes disks in sectors: keep the size a multiple of 512.
            long size = ((long) k.size() << b) - 512L * (t % (1 << (b - 9)));
            return new Plan(b, o, extended, z, size, k, s);
        });
    }

    private Path tryDir;

    @BeforeTry
    void makeDir() throws IOException {
        tryDir = Files.createTempDirectory("seqwriter");
    }

    @AfterTry
    void removeDir() throws IOException {
        try (var s = Files.walk(tryDir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Property(tries = 40)
    void anyPlanMakesACleanImageThatReadsBack(@ForAll("plans") Plan plan) throws Exception {
        ReferenceTools.require("qemu-img");
        Path img = tryDir.resolve("out.qcow2");
        byte[] expected = write(img, plan);
        TestImages.assertQemuCheckClean(img);
        TestImages.assertSame(TestImages.qemuRaw(img), expected, "qemu's view of " + plan);
        try (Qcow2Image q = Qcow2Image.open(img, false)) {
            TestImages.assertSame(TestImages.readAll(q), expected, "imgtool's view");
        }
        assertThat(Qcow2Checker.check(img).clean()).isTrue();
    }

    /** Writes the plan through a SequentialWriter; returns the guest content it describes. */
    static byte[] write(Path img, Plan plan) throws IOException {
        int cs = 1 << plan.clusterBits();
        byte[] content = new byte[(int) plan.size()];
        Random r = new Random(plan.seed());
        Header h = Creator.header(plan.size(), plan.clusterBits(), 3, plan.refcountOrder(), plan.extendedL2(),
                plan.zstd(), false, null, null);
        Codec codec = new Codec(plan.zstd() == 1 ? Codec.Type.ZSTD : Codec.Type.DEFLATE, 4);
        byte[] tmp = new byte[Codec.maxCompressedLength(cs)];
        try (OutputFile out = OutputFile.create(img)) {
            SequentialWriter w = new SequentialWriter(out, h);
            for (int i = 0; i < plan.kinds().size(); i++) {
                int kind = plan.kinds().get(i);
                if (kind == 0) {
                    continue;
                }
                byte[] cluster = new byte[cs];
                if (kind == 1) {
                    r.nextBytes(cluster);
                } else {
                    // Compressible: a few random bytes in a pattern, or text of varying density.
                    int period = kind == 2 ? 1 + r.nextInt(64) : 200 + r.nextInt(2000);
                    byte[] seed = new byte[period];
                    r.nextBytes(seed);
                    for (int k = 0; k < cs; k++) {
                        cluster[k] = seed[k % period];
                    }
                }
                long at = (long) i * cs;
                int inGuest = (int) Math.min(cs, plan.size() - at);
                Arrays.fill(cluster, inGuest, cs, (byte) 0); // bytes past the disk's end are zero
                System.arraycopy(cluster, 0, content, (int) at, inGuest);
                int m = kind == 1 || inGuest < cs ? -1 : codec.compress(cluster, cs, tmp, cs - 1);
                if (m > 0) {
                    w.writeCompressed(i, tmp, m);
                } else {
                    w.writeClusters(i, ByteBuffer.wrap(cluster));
                }
            }
            w.finish();
            out.commit(false);
        }
        return content;
    }

    @Test
    void dataIsContiguousInGuestOrder() throws Exception {
        ReferenceTools.require("qemu-img");
        Path img = dir.resolve("contig.qcow2");
        // 4 KiB clusters and 64-bit refcounts: a refcount block covers 512 clusters, an L2 table 512 clusters,
        // so blocks and tables are appended many times between the data.
        Plan plan = new Plan(12, 6, false, 0, 3000L << 12, java.util.Collections.nCopies(3000, 1), 7);
        write(img, plan);
        TestImages.assertQemuCheckClean(img);
        String json = ReferenceTools.runOk("qemu-img", "check", "--output=json", img.toString()).stdout();
        // One break per L2 table or refcount block appended between data runs, nothing else.
        long fragmented = Long.parseLong(json.replaceAll("(?s).*\"fragmented-clusters\": (\\d+).*", "$1"));
        assertThat(fragmented).isLessThanOrEqualTo(3000 / 512 * 2 + 2);
        try (Qcow2Image q = Qcow2Image.open(img, false)) {
            long lastHost = -1;
            for (Qcow2Image.MapEntry e : q.map(0, q.size())) {
                assertThat(e.offset()).isGreaterThan(lastHost);
                lastHost = e.offset();
            }
        }
    }

    @Test
    void emptyAndAllSkippedImagesAreValid() throws Exception {
        ReferenceTools.require("qemu-img");
        for (long size : new long[] {0, 512, 65536, 10L << 30}) {
            Path img = dir.resolve("empty" + size + ".qcow2");
            Header h = Creator.header(size, 16, 3, 4, false, 0, false, null, null);
            try (OutputFile out = OutputFile.create(img)) {
                new SequentialWriter(out, h).finish();
                out.commit(false);
            }
            TestImages.assertQemuCheckClean(img);
            String info = ReferenceTools.runOk("qemu-img", "info", "--output=json", img.toString()).stdout();
            assertThat(info).contains("\"virtual-size\": " + size);
        }
    }

    @Test
    void clustersMustComeInGuestOrderAndInsideTheDisk() throws Exception {
        Path img = dir.resolve("order.qcow2");
        Header h = Creator.header(10 << 16, 16, 3, 4, false, 0, false, null, null);
        try (OutputFile out = OutputFile.create(img)) {
            SequentialWriter w = new SequentialWriter(out, h);
            w.writeClusters(3, ByteBuffer.allocate(65536));
            assertThatThrownBy(() -> w.writeClusters(3, ByteBuffer.allocate(65536)))
                    .isInstanceOf(ImageException.class).hasMessageContaining("out of order");
            assertThatThrownBy(() -> w.writeClusters(2, ByteBuffer.allocate(65536)))
                    .isInstanceOf(ImageException.class);
            assertThatThrownBy(() -> w.writeClusters(9, ByteBuffer.allocate(2 * 65536)))
                    .isInstanceOf(ImageException.class).hasMessageContaining("past the end");
            assertThatThrownBy(() -> w.writeClusters(5, ByteBuffer.allocate(1000)))
                    .isInstanceOf(ImageException.class).hasMessageContaining("whole clusters");
            assertThatThrownBy(() -> w.writeCompressed(6, new byte[70000], 70000))
                    .isInstanceOf(ImageException.class);
        }
        assertThat(img).doesNotExist();
        assertThat(dir.resolve(".order.qcow2.imgtool-new")).doesNotExist();
    }

    @Test
    void outputAppearsOnlyWhenCommittedAndIsLockedWhileWritten() throws Exception {
        Path img = dir.resolve("atomic.qcow2");
        Path tmp = dir.resolve(".atomic.qcow2.imgtool-new");
        Header h = Creator.header(1 << 20, 16, 3, 4, false, 0, false, null, null);
        try (OutputFile out = OutputFile.create(img)) {
            SequentialWriter w = new SequentialWriter(out, h);
            w.writeClusters(0, ByteBuffer.wrap(new byte[65536]));
            assertThat(img).doesNotExist();
            assertThat(tmp).exists();
            // A second writer of the same output is refused while the first holds the temporary file.
            assertThatThrownBy(() -> OutputFile.create(img)).isInstanceOf(ImageException.class)
                    .satisfies(e -> assertThat(((ImageException) e).kind()).isEqualTo(ImageException.Kind.LOCKED));
            w.finish();
            assertThat(img).doesNotExist();
            out.commit(true);
        }
        assertThat(img).exists();
        assertThat(tmp).doesNotExist();
        assertThatThrownBy(() -> OutputFile.create(img)).isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
    }

    @Test
    void aStaleTemporaryFileFromAKilledRunIsReused() throws Exception {
        Path img = dir.resolve("stale.qcow2");
        Files.write(dir.resolve(".stale.qcow2.imgtool-new"), new byte[123_457]);
        Header h = Creator.header(1 << 20, 16, 3, 4, false, 0, false, null, null);
        try (OutputFile out = OutputFile.create(img)) {
            new SequentialWriter(out, h).finish();
            out.commit(false);
        }
        ReferenceTools.require("qemu-img");
        TestImages.assertQemuCheckClean(img);
        assertThat(Files.size(img) % 65536).isZero();
    }
}
