package io.imgtool.gpt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.ImageException;
import io.imgtool.core.MemoryDevice;
import io.imgtool.gpt.ondisk.GptEntry;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Ring 1: tables built in memory, written, read back. */
class GptTableTest {

    static final UUID DISK = UUID.fromString("11111111-2222-4333-8444-555555555555");

    static GptTable debianLayout(MemoryDevice disk, int sectorSize) throws Exception {
        SplittableRandom r = new SplittableRandom(1);
        long mib = (1 << 20) / sectorSize;
        return GptTable.create(disk, sectorSize, DISK)
                .add(NewPartition.builder().number(14).firstLba(mib).sectors(3 * mib).type(PartitionType.BIOS_BOOT).build(), r)
                .add(NewPartition.builder().number(15).sectors(124 * mib).type(PartitionType.ESP).build(), r)
                .add(NewPartition.builder().number(1).type(PartitionType.LINUX).build(), r);
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void writtenTableReadsBackEqual(int sectorSize) throws Exception {
        MemoryDevice disk = new MemoryDevice(1L << 30);
        GptTable t = debianLayout(disk, sectorSize);
        t.write(disk);
        GptTable back = GptTable.read(disk, sectorSize);
        assertThat(back.partitions()).isEqualTo(t.partitions());
        assertThat(back.entries()).isEqualTo(t.entries());
        assertThat(back.diskGuid()).isEqualTo(DISK);
        assertThat(back.report().healthy()).isTrue();
        assertThat(back.report().source()).isEqualTo(GptTable.Source.PRIMARY);
        assertThat(GptVerifier.verify(disk, sectorSize).ok()).isTrue();
        assertThat(PartitionTable.read(disk)).isInstanceOf(GptTable.class);
        assertThat(PartitionTable.detectSectorSize(disk)).hasValue(sectorSize);
    }

    @Test
    void layoutFollowsSgdiskConventions() throws Exception {
        MemoryDevice disk = new MemoryDevice(1L << 30);
        GptTable t = debianLayout(disk, 512);
        long last = (1L << 30) / 512 - 1;
        assertThat(t.firstUsableLba()).isEqualTo(34);
        assertThat(t.lastUsableLba()).isEqualTo(last - 33);
        assertThat(t.backupLba()).isEqualTo(last);
        assertThat(t.partition(14).firstLba()).isEqualTo(2048);
        assertThat(t.partition(15).firstLba()).isEqualTo(8192);
        assertThat(t.partition(15).sectors()).isEqualTo(124 * 2048);
        assertThat(t.partition(1).firstLba()).isEqualTo(262144);
        assertThat(t.partition(1).lastLba()).isEqualTo(t.lastUsableLba());

        MemoryDevice disk4k = new MemoryDevice(1L << 30);
        GptTable t4 = debianLayout(disk4k, 4096);
        assertThat(t4.firstUsableLba()).isEqualTo(6);
        assertThat(t4.lastUsableLba()).isEqualTo((1L << 30) / 4096 - 6);
        assertThat(t4.partition(15).firstLba()).isEqualTo(1024);
    }

    @Test
    void editsRoundTrip() throws Exception {
        MemoryDevice disk = new MemoryDevice(256L << 20);
        GptTable t = GptTable.create(disk, 512, DISK)
                .add(NewPartition.builder().sectors(20480).name("a").build(), new SplittableRandom(2))
                .add(NewPartition.builder().sectors(20480).name("b").build(), new SplittableRandom(3));
        UUID g = UUID.fromString("AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE");
        t = t.rename(1, "SLX_SYS").withType(1, PartitionType.ROOT_X86_64).withPartitionGuid(1, g)
                .withAttributes(1, GptAttributes.mask("legacy-bios-bootable,read-only")).resize(2, 40960 + 20480 - 1)
                .delete(2).add(NewPartition.builder().name("c").build(), new SplittableRandom(4));
        t.write(disk);
        GptTable back = GptTable.read(disk, 512);
        GptPartition p1 = back.partition(1);
        assertThat(p1.name()).isEqualTo("SLX_SYS");
        assertThat(p1.type()).isEqualTo(PartitionType.ROOT_X86_64);
        assertThat(p1.partitionGuid()).isEqualTo(g);
        assertThat(p1.attributes()).isEqualTo((1L << 2) | (1L << 60));
        assertThat(p1.attributeNames()).containsExactly("legacy-bios-bootable", "read-only");
        assertThat(back.partition(2).name()).isEqualTo("c");
        assertThat(back.partition(2).firstLba()).isEqualTo(22528);
        assertThat(back.partition(2).lastLba()).isEqualTo(back.lastUsableLba());
    }

    @Test
    void unicodeNamesUpTo36CodeUnits() throws Exception {
        MemoryDevice disk = new MemoryDevice(64L << 20);
        String name = "Wurzel-Ä€\uD83D\uDE00-" + "x".repeat(36 - 12);
        assertThat(name.length()).isEqualTo(36);
        GptTable t = GptTable.create(disk, 512, DISK).add(NewPartition.builder().name(name).build(),
                new SplittableRandom(5));
        t.write(disk);
        assertThat(GptTable.read(disk, 512).partition(1).name()).isEqualTo(name);
        assertThatThrownBy(() -> t.rename(1, name + "y")).isInstanceOf(ImageException.class)
                .hasMessageContaining("at most 36");
    }

    @Test
    void rejectsOverlapsAndMissingPartitions() throws Exception {
        MemoryDevice disk = new MemoryDevice(64L << 20);
        GptTable t = GptTable.create(disk, 512, DISK)
                .add(NewPartition.builder().firstLba(2048).lastLba(4095).build(), new SplittableRandom(6));
        assertThatThrownBy(() -> t.add(NewPartition.builder().firstLba(4000).sectors(100).build(),
                new SplittableRandom(1))).isInstanceOf(ImageException.class).hasMessageContaining("not free");
        assertThatThrownBy(() -> t.add(NewPartition.builder().number(1).build(), new SplittableRandom(1)))
                .hasMessageContaining("already exists");
        assertThatThrownBy(() -> t.delete(7)).hasMessageContaining("partition 7 does not exist");
        assertThatThrownBy(() -> t.resize(1, t.lastUsableLba() + 1)).hasMessageContaining("can grow to LBA");
        assertThatThrownBy(() -> t.add(NewPartition.builder().sectors(1L << 40).build(), new SplittableRandom(1)))
                .hasMessageContaining("no free region");
        assertThatThrownBy(() -> t.add(NewPartition.builder().number(129).build(), new SplittableRandom(1)))
                .hasMessageContaining("beyond the table's 128 entries");
        assertThat(((ImageException) catchIt(() -> t.delete(7))).kind()).isEqualTo(ImageException.Kind.INVALID_ARGUMENT);
    }

    static Throwable catchIt(org.assertj.core.api.ThrowableAssert.ThrowingCallable c) {
        return org.assertj.core.api.Assertions.catchThrowable(c);
    }

    @Test
    void moveBackupAfterGrowth() throws Exception {
        MemoryDevice disk = new MemoryDevice(64L << 20);
        GptTable t = GptTable.create(disk, 512, DISK).add(NewPartition.builder().build(), new SplittableRandom(7));
        t.write(disk);
        long oldBackup = t.backupLba();
        disk.resize(128L << 20);
        GptTable grown = GptTable.read(disk, 512);
        assertThat(grown.backupLba()).isEqualTo(oldBackup);
        Verification v = GptVerifier.verify(disk, 512);
        assertThat(v.has("backup-not-at-end")).isTrue();
        assertThat(v.ok()).isFalse();
        GptTable moved = grown.withBackupAtEnd(disk.size() / 512);
        moved.write(disk);
        assertThat(GptVerifier.verify(disk, 512).ok()).isTrue();
        GptTable back = GptTable.read(disk, 512);
        assertThat(back.backupLba()).isEqualTo((128L << 20) / 512 - 1);
        assertThat(back.lastUsableLba()).isEqualTo(back.backupLba() - 33);
        // The header left behind at the old end is gone, and the partition can now grow into the space.
        assertThat(disk.readBytes(oldBackup * 512, 8)).containsOnly(0);
        back.resize(1, back.maxLastLba(1)).write(disk);
        assertThat(GptTable.read(disk, 512).partition(1).lastLba()).isEqualTo(back.lastUsableLba());
    }

    @Test
    void emptyEntriesAndExtraEntryBytesSurvive() throws Exception {
        MemoryDevice disk = new MemoryDevice(64L << 20);
        GptTable t = GptTable.create(disk, 512, DISK, 4).add(NewPartition.builder().build(), new SplittableRandom(8));
        t.write(disk);
        GptTable back = GptTable.read(disk, 512);
        assertThat(back.entryCount()).isEqualTo(4);
        assertThat(back.firstUsableLba()).isEqualTo(3);
        assertThat(back.entries().get(1)).isEqualTo(GptEntry.empty(128));
    }

    @Test
    void randomSourceMakesOutputReproducible() throws Exception {
        byte[][] images = new byte[2][];
        for (int i = 0; i < 2; i++) {
            MemoryDevice disk = new MemoryDevice(64L << 20);
            GptTable.create(disk, 512, DISK).add(NewPartition.builder().build(), new SplittableRandom(42))
                    .randomizeGuids(new SplittableRandom(43)).write(disk);
            images[i] = disk.readBytes(0, 34 * 512);
        }
        assertThat(images[0]).isEqualTo(images[1]);
    }
}
