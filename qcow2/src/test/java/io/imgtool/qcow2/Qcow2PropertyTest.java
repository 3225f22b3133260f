package io.imgtool.qcow2;

import io.imgtool.core.MemoryDevice;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random sequences of writes, zero writes, discards and resizes applied to a qcow2 image and to an
 * in-memory mirror read the same after every step, and {@code qemu-img check} is clean at the end.
 */
class Qcow2PropertyTest {

    private static final long MAX = 3 << 20;

    record Op(int kind, long offset, int length, long seed) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 9),
                Arbitraries.longs().between(0, MAX - 1), Arbitraries.integers().between(1, 300_000),
                Arbitraries.longs()).as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(25);
    }

    @Provide
    Arbitrary<Integer> layout() {
        return Arbitraries.integers().between(0, 5);
    }

    @Property(tries = 40)
    void imageMatchesMirror(@ForAll("ops") List<Op> ops, @ForAll("layout") int layout) throws Exception {
        Path dir = Files.createTempDirectory("qcow2-prop");
        try {
            run(dir, ops, layout);
        } finally {
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    private void run(Path dir, List<Op> ops, int layout) throws Exception {
        Qcow2Options.Builder b = switch (layout) {
            case 0 -> Qcow2Options.builder().clusterSize(512);
            case 1 -> Qcow2Options.builder().clusterSize(4096).refcountBits(1);
            case 2 -> Qcow2Options.builder().extendedL2(true).clusterSize(32768);
            case 3 -> Qcow2Options.builder().compat("0.10");
            case 4 -> Qcow2Options.builder().refcountBits(64);
            default -> Qcow2Options.builder();
        };
        long size = MAX / 2 + 1536; // qemu counts sizes in 512-byte sectors
        MemoryDevice mirror = new MemoryDevice(size);
        Path img = dir.resolve("p.qcow2");
        try (Qcow2Image q = Qcow2Image.create(img, b.size(size).build())) {
            int step = 0;
            for (Op op : ops) {
                long off = op.offset() % q.size();
                int len = (int) Math.min(op.length(), q.size() - off);
                switch (op.kind()) {
                    case 0, 1, 2, 3 -> {
                        byte[] d = new byte[len];
                        new java.util.Random(op.seed()).nextBytes(d);
                        if (op.kind() == 3) {
                            java.util.Arrays.fill(d, 0, len / 2, (byte) 0);
                        }
                        q.write(ByteBuffer.wrap(d), off);
                        mirror.write(ByteBuffer.wrap(d), off);
                    }
                    case 4, 5 -> {
                        q.writeZeroes(off, len);
                        mirror.writeZeroes(off, len);
                    }
                    case 6, 7 -> {
                        q.discard(off, len);
                        mirror.writeZeroes(off, len);
                    }
                    case 8 -> {
                        long ns = Math.max(512, (op.seed() & Long.MAX_VALUE) % MAX & ~511L);
                        try {
                            q.resize(ns);
                            mirror.resize(ns);
                        } catch (io.imgtool.core.ImageException e) {
                            // Shrinking over data is refused; the image must be unchanged.
                            if (!e.getMessage().contains("would drop data")) {
                                throw e;
                            }
                        }
                    }
                    default -> q.flush();
                }
                step++;
                if (q.size() != mirror.size()) {
                    throw new AssertionError("size differs after step " + step);
                }
                TestImages.assertSame(TestImages.readAll(q), TestImages.readAll(mirror), "after step " + step + " " + op);
            }
        }
        TestImages.assertQemuCheckClean(img);
        TestImages.assertSame(TestImages.qemuRaw(img), TestImages.readAll(mirror), "qemu view");
    }
}
