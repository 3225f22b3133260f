package io.imgtool.gpt;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.MemoryDevice;
import io.imgtool.gpt.ondisk.MbrPartitionEntry;
import io.imgtool.gpt.ondisk.MbrSector;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Ring 2 for MBR: hostile EBR chains end with a named problem, never a hang. */
class MbrTableTest {

    private static MbrPartitionEntry entry(int type, long first, long sectors) {
        return new MbrPartitionEntry(0, 0, type, 0, first, sectors);
    }

    private static MbrSector sector(MbrPartitionEntry... es) {
        MbrPartitionEntry[] four = {MbrPartitionEntry.EMPTY, MbrPartitionEntry.EMPTY, MbrPartitionEntry.EMPTY,
                MbrPartitionEntry.EMPTY};
        System.arraycopy(es, 0, four, 0, es.length);
        return new MbrSector(new byte[440], 0x1234, 0, List.of(four), MbrSector.BOOT_SIGNATURE);
    }

    private static void put(MemoryDevice d, long lba, MbrSector s) throws Exception {
        d.write(ByteBuffer.wrap(s.toBytes()), lba * 512);
    }

    @Test
    void ebrLoopStops() throws Exception {
        MemoryDevice d = new MemoryDevice(8L << 20);
        put(d, 0, sector(entry(0x83, 2048, 2048), entry(0x05, 4096, 8192)));
        // EBR at 4096: a logical partition, then a link back to itself.
        put(d, 4096, sector(entry(0x83, 1, 100), entry(0x05, 0, 200)));
        MbrTable t = (MbrTable) PartitionTable.read(d);
        assertThat(t.dataPartitions()).extracting(MbrPartition::number).containsExactly(1, 5);
        assertThat(t.problems()).singleElement().asString().contains("loops back to LBA 4096");
        assertThat(GptVerifier.verify(d, 512).has("ebr")).isTrue();
    }

    @Test
    void linkOutsideExtendedStops() throws Exception {
        MemoryDevice d = new MemoryDevice(8L << 20);
        put(d, 0, sector(entry(0x0f, 4096, 1000)));
        put(d, 4096, sector(entry(0x83, 1, 100), entry(0x05, 5000, 200)));
        MbrTable t = (MbrTable) PartitionTable.read(d);
        assertThat(t.problems()).singleElement().asString().contains("leaves the extended partition");
    }

    @Test
    void longChainsAreCappedAt256Logicals() throws Exception {
        MemoryDevice d = new MemoryDevice(64L << 20);
        put(d, 0, sector(entry(0x05, 2048, 100_000)));
        for (int i = 0; i < 300; i++) {
            put(d, 2048 + 10L * i, sector(entry(0x83, 1, 5), entry(0x05, 10L * (i + 1), 10)));
        }
        MbrTable t = (MbrTable) PartitionTable.read(d);
        assertThat(t.dataPartitions()).hasSize(MbrTable.MAX_LOGICAL);
        assertThat(t.problems()).anyMatch(p -> p.contains("more than 256"));
    }

    @Test
    void fatBootSectorIsNotAPartitionTable() throws Exception {
        MemoryDevice d = new MemoryDevice(8L << 20);
        byte[] vbr = new byte[512];
        ByteBuffer b = ByteBuffer.wrap(vbr).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putShort(0x0B, (short) 512).put(0x0D, (byte) 4).putShort(0x0E, (short) 1).put(0x10, (byte) 2)
                .put(0x15, (byte) 0xF8).putShort(0x16, (short) 16);
        b.put(0x36, "FAT16   ".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        // Boot code that happens to look like a partition entry.
        b.put(446 + 4, (byte) 0x83).putInt(446 + 8, 63).putInt(446 + 12, 100);
        b.putShort(510, (short) 0xAA55);
        d.write(ByteBuffer.wrap(vbr), 0);
        PartitionTable t = PartitionTable.read(d);
        assertThat(t.scheme()).isEqualTo(PartitionTable.Scheme.NONE);
        assertThat(((NoPartitionTable) t).hasMbrSignature()).isTrue();
        assertThat(FilesystemProbe.probe(d)).map(FilesystemProbe.Info::type).hasValue("vfat");
    }

    @Test
    void emptyDiskHasNoTable() throws Exception {
        PartitionTable t = PartitionTable.read(new MemoryDevice(1 << 20));
        assertThat(t).isEqualTo(new NoPartitionTable(512, false, false));
        assertThat(PartitionTable.read(new MemoryDevice(100)).scheme()).isEqualTo(PartitionTable.Scheme.NONE);
    }
}
