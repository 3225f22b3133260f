package io.imgtool.gpt;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.ImageException;
import io.imgtool.core.MemoryDevice;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Ring 1, as a property: any sequence of edits — accepted or refused — leaves a table that writes,
 * reads back equal, verifies clean, and keeps partitions disjoint inside the usable area.
 */
class TablePropertiesTest {

    /** One edit: kind 0 add, 1 delete, 2 resize, 3 rename, 4 type, 5 attributes, 6 grow the disk and move. */
    record Op(int kind, int number, long a, long b) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        return Arbitraries.integers().between(0, 6)
                .flatMap(k -> Arbitraries.integers().between(0, 9).flatMap(n -> Arbitraries.longs().between(0, 200_000)
                        .flatMap(a -> Arbitraries.longs().between(0, 200_000).map(b -> new Op(k, n, a, b)))))
                .list().ofMaxSize(25);
    }

    @Property(tries = 200)
    void editSequencesKeepTheTableConsistent(@ForAll("ops") List<Op> ops,
                                             @ForAll @IntRange(min = 0, max = 1) int big) throws Exception {
        int sectorSize = big == 1 ? 4096 : 512;
        MemoryDevice disk = new MemoryDevice(sectorSize == 512 ? 100L << 20 : 400L << 20);
        GptTable t = GptTable.create(disk, sectorSize, new UUID(1, 2), 8);
        SplittableRandom random = new SplittableRandom(ops.size());
        for (Op op : ops) {
            try {
                t = switch (op.kind()) {
                    case 0 -> t.add(NewPartition.builder().number(op.number() % 9)
                            .sectors(op.a() % 3 == 0 ? -1 : 1 + op.a() % 50_000).build(), random);
                    case 1 -> t.delete(op.number());
                    case 2 -> t.resize(op.number(), t.partition(op.number()).firstLba() + op.a() % 60_000);
                    case 3 -> t.rename(op.number(), "p" + op.a());
                    case 4 -> t.withType(op.number(), PartitionType.known().get((int) (op.a() % PartitionType.known().size())));
                    case 5 -> t.withAttributes(op.number(), op.a() << 40 | op.b());
                    default -> {
                        disk.resize(disk.size() + op.a() * sectorSize);
                        t.write(disk);
                        yield GptTable.read(disk, sectorSize).withBackupAtEnd(disk.size() / sectorSize);
                    }
                };
            } catch (ImageException e) {
                assertThat(e.kind()).isEqualTo(ImageException.Kind.INVALID_ARGUMENT);
            }
            t.write(disk);
            GptTable back = GptTable.read(disk, sectorSize);
            assertThat(back.entries()).isEqualTo(t.entries());
            assertThat(back.lastUsableLba()).isEqualTo(t.lastUsableLba());
            assertThat(back.report().healthy()).isTrue();
            Verification v = GptVerifier.verify(disk, sectorSize);
            assertThat(v.findings()).allMatch(f -> f.code().equals("unaligned"));
            net.jqwik.api.statistics.Statistics.label("partitions").collect(Math.min(back.partitions().size(), 3));
            long prevEnd = -1;
            for (GptPartition p : back.partitions().stream()
                    .sorted(java.util.Comparator.comparingLong(GptPartition::firstLba)).toList()) {
                assertThat(p.firstLba()).isGreaterThan(prevEnd).isGreaterThanOrEqualTo(back.firstUsableLba());
                assertThat(p.lastLba()).isLessThanOrEqualTo(back.lastUsableLba());
                prevEnd = p.lastLba();
            }
        }
    }
}
