package io.imgtool.gpt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.ImageException;
import io.imgtool.core.MemoryDevice;
import io.imgtool.testdata.FaultInjectingDevice;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A write interrupted after any of its writes (a full disk, a killed process) leaves a disk whose
 * table reads as either the old or the new one, from an intact copy.
 */
class CrashSafetyTest {

    private interface Edit {
        GptTable apply(GptTable t) throws Exception;
    }

    private static void crashAtEveryStep(MemoryDevice original, int sectorSize, Edit edit, long newSize)
            throws Exception {
        GptTable before = GptTable.read(original, sectorSize);
        // Learn how many mutating calls a complete write makes.
        MemoryDevice probe = copy(original, newSize);
        FaultInjectingDevice counting = new FaultInjectingDevice(probe, -1);
        GptTable after = edit.apply(GptTable.read(probe, sectorSize));
        after.write(counting);
        long steps = counting.mutations();
        assertThat(steps).isGreaterThanOrEqualTo(5);
        List<GptPartition> oldParts = before.partitions();
        List<GptPartition> newParts = GptTable.read(probe, sectorSize).partitions();
        assertThat(newParts).isNotEqualTo(oldParts);
        for (long fail = 0; fail < steps; fail++) {
            MemoryDevice disk = copy(original, newSize);
            GptTable edited = edit.apply(GptTable.read(disk, sectorSize));
            FaultInjectingDevice dev = new FaultInjectingDevice(disk, fail);
            assertThatThrownBy(() -> edited.write(dev)).isInstanceOf(ImageException.class)
                    .hasMessageContaining("injected fault");
            GptTable got = GptTable.read(disk, sectorSize);
            assertThat(got.partitions()).as("after a crash at write %d of %d", fail + 1, steps)
                    .isIn(oldParts, newParts);
        }
    }

    private static MemoryDevice copy(MemoryDevice d, long newSize) throws Exception {
        MemoryDevice c = d.readOnlyCopy();
        MemoryDevice w = new MemoryDevice(newSize);
        io.imgtool.core.BlockDevices.copySparse(c, 0, w, 0, Math.min(c.size(), newSize));
        return w;
    }

    private static MemoryDevice table(int sectorSize) throws Exception {
        MemoryDevice disk = new MemoryDevice(64L << 20);
        GptTable.create(disk, sectorSize, new UUID(5, 6))
                .add(NewPartition.builder().sectors((4L << 20) / sectorSize).name("a").build(), new SplittableRandom(1))
                .add(NewPartition.builder().sectors((8L << 20) / sectorSize).name("b").build(), new SplittableRandom(2))
                .write(disk);
        return disk;
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void renameSurvivesACrashAnywhere(int sectorSize) throws Exception {
        crashAtEveryStep(table(sectorSize), sectorSize, t -> t.rename(2, "SLX_SYS"), 64L << 20);
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void addAndDeleteSurviveACrashAnywhere(int sectorSize) throws Exception {
        crashAtEveryStep(table(sectorSize), sectorSize,
                t -> t.delete(1).add(NewPartition.builder().name("c").build(), new SplittableRandom(3)), 64L << 20);
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void moveBackupAfterGrowthSurvivesACrashAnywhere(int sectorSize) throws Exception {
        long grown = 96L << 20;
        crashAtEveryStep(table(sectorSize), sectorSize,
                t -> {
                    GptTable m = t.withBackupAtEnd(grown / sectorSize);
                    return m.resize(2, m.maxLastLba(2));
                }, grown);
    }
}
