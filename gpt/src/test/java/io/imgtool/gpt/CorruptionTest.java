package io.imgtool.gpt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.core.ImageFormatException;
import io.imgtool.core.RawFileDevice;
import io.imgtool.gpt.ondisk.GptEntry;
import io.imgtool.gpt.ondisk.GptHeader;
import io.imgtool.testdata.ReferenceTools;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ring 2: one structure damaged at a time, the verdict asserted, and repair checked by sgdisk.
 */
class CorruptionTest {

    static final int SS = 512;

    @TempDir
    Path dir;
    Path img;
    long lastLba;

    @BeforeEach
    void healthyImage() throws Exception {
        img = Scratch.image(dir, "disk.img", 64L << 20);
        lastLba = (64L << 20) / SS - 1;
        try (RawFileDevice disk = RawFileDevice.open(img, true)) {
            GptTable.create(disk, SS, UUID.fromString("01234567-89AB-4CDE-8F01-23456789ABCD"))
                    .add(NewPartition.builder().sectors(2048).type(PartitionType.BIOS_BOOT).build(), new SplittableRandom(1))
                    .add(NewPartition.builder().sectors(8192).type(PartitionType.ESP).name("ESP").build(), new SplittableRandom(2))
                    .add(NewPartition.builder().type(PartitionType.LINUX).name("root").build(), new SplittableRandom(3))
                    .write(disk);
        }
        Scratch.assertSgdiskAccepts(img);
    }

    private void poke(long offset, byte... bytes) throws Exception {
        try (RawFileDevice disk = RawFileDevice.open(img, true)) {
            disk.write(ByteBuffer.wrap(bytes), offset);
        }
    }

    private Verification verify() throws Exception {
        try (RawFileDevice disk = RawFileDevice.open(img, false)) {
            return GptVerifier.verify(disk, SS);
        }
    }

    private GptTable read() throws Exception {
        try (RawFileDevice disk = RawFileDevice.open(img, false)) {
            return GptTable.read(disk, SS);
        }
    }

    /** Repairs, then requires sgdisk and imgtool to accept the result and the partitions to be intact. */
    private void repairAndCheck() throws Exception {
        try (RawFileDevice disk = RawFileDevice.open(img, true)) {
            GptTable.RepairResult r = GptTable.repair(disk, SS, false);
            assertThat(r.written()).isTrue();
            assertThat(r.before().ok()).isFalse();
        }
        Scratch.assertSgdiskAccepts(img);
        assertThat(verify().findings()).allMatch(f -> f.severity() == Verification.Severity.NOTE);
        GptTable t = read();
        assertThat(t.report().healthy()).isTrue();
        assertThat(t.partitions()).extracting(GptPartition::name).containsExactly("", "ESP", "root");
        try (RawFileDevice disk = RawFileDevice.open(img, true)) {
            assertThat(GptTable.repair(disk, SS, false).written()).as("a second repair has nothing to do").isFalse();
        }
    }

    /** Rewrites a header at {@code lba} through {@code change}, recomputing its CRC (a buggy or hostile writer). */
    private void rewriteHeader(long lba, UnaryOperator<GptHeader> change, boolean fixCrc) throws Exception {
        try (RawFileDevice disk = RawFileDevice.open(img, true)) {
            GptHeader h = GptHeader.parse(ByteBuffer.wrap(disk.readBytes(lba * SS, SS)), SS);
            GptHeader c = change.apply(h);
            if (fixCrc && c.crcComputable()) {
                c = c.withComputedCrc();
            }
            disk.write(ByteBuffer.wrap(c.toBytes()), lba * SS);
        }
    }

    @Test
    void primaryHeaderCrcBroken() throws Exception {
        poke(SS + 16, (byte) 0x5a);
        assertThatThrownBy(() -> Scratch.assertSgdiskAccepts(img)).as("sgdisk notices too")
                .isInstanceOf(AssertionError.class);
        GptTable t = read();
        assertThat(t.report().source()).isEqualTo(GptTable.Source.BACKUP);
        assertThat(t.report().primaryProblem()).contains("header CRC32 mismatch");
        assertThat(t.partitions()).hasSize(3);
        assertThat(verify().has("primary-header-crc")).isTrue();
        repairAndCheck();
    }

    @Test
    void primaryArrayCrcBroken() throws Exception {
        poke(2L * SS + 128 + GptEntry.NAME_OFFSET, (byte) 'X');
        GptTable t = read();
        assertThat(t.report().source()).isEqualTo(GptTable.Source.BACKUP);
        assertThat(t.report().primaryProblem()).contains("entry array at LBA 2: CRC32 mismatch");
        assertThat(t.partition(2).name()).isEqualTo("ESP");
        assertThat(verify().has("primary-array-crc")).isTrue();
        ReferenceTools.Result r = ReferenceTools.run("sgdisk", "-v", img.toString());
        assertThat(r.stdout() + r.stderr()).contains("CRC");
        repairAndCheck();
    }

    @Test
    void backupArrayCrcBroken() throws Exception {
        poke((lastLba - 32) * SS + 128 + GptEntry.NAME_OFFSET, (byte) 'X');
        GptTable t = read();
        assertThat(t.report().source()).isEqualTo(GptTable.Source.PRIMARY);
        assertThat(verify().has("backup-array-crc")).isTrue();
        repairAndCheck();
    }

    @Test
    void backupMissing() throws Exception {
        poke(lastLba * SS, new byte[SS]);
        GptTable t = read();
        assertThat(t.report().source()).isEqualTo(GptTable.Source.PRIMARY);
        assertThat(t.report().backupProblem()).contains("no \"EFI PART\" signature");
        assertThat(verify().has("backup-header-missing")).isTrue();
        repairAndCheck();
    }

    @Test
    void bothHeadersBrokenIsAClearError() throws Exception {
        poke(SS + 16, (byte) 0x5a);
        poke(lastLba * SS + 16, (byte) 0x5a);
        ImageFormatException e = catchThrowableOfType(this::read, ImageFormatException.class);
        assertThat(e.getMessage()).contains("no intact copy").contains("primary GPT header at LBA 1")
                .contains("backup GPT header at LBA " + lastLba).contains("CRC32 mismatch");
        try (RawFileDevice disk = RawFileDevice.open(img, false)) {
            // A protective MBR promises a GPT: no silent fallback to "no partition table".
            assertThatThrownBy(() -> PartitionTable.read(disk, SS)).isInstanceOf(ImageFormatException.class);
            assertThatThrownBy(() -> GptTable.repair(disk, SS, true)).isInstanceOf(ImageFormatException.class);
        }
        Verification v = verify();
        assertThat(v.has("primary-header-crc")).isTrue();
        assertThat(v.has("backup-header-crc")).isTrue();
        assertThat(v.has("no-intact-copy")).isTrue();
    }

    @Test
    void entryCount2Pow31() throws Exception {
        rewriteHeader(1, h -> new GptHeader(h.signature(), h.revision(), h.headerSize(), 0, h.reserved(), h.myLba(),
                h.alternateLba(), h.firstUsableLba(), h.lastUsableLba(), h.diskGuid(), h.entriesLba(), 1L << 31,
                h.entrySize(), h.entriesCrc(), h.tail()), true);
        GptTable t = read();
        assertThat(t.report().source()).isEqualTo(GptTable.Source.BACKUP);
        assertThat(t.report().primaryProblem()).contains("entry_count = 2147483648 at offset 592");
        assertThat(verify().has("primary-header-invalid")).isTrue();
        repairAndCheck();
    }

    @Test
    void entryCount2Pow31InBothCopiesNeverAllocates() throws Exception {
        for (long lba : new long[] {1, lastLba}) {
            rewriteHeader(lba, h -> new GptHeader(h.signature(), h.revision(), h.headerSize(), 0, h.reserved(),
                    h.myLba(), h.alternateLba(), h.firstUsableLba(), h.lastUsableLba(), h.diskGuid(), h.entriesLba(),
                    1L << 31, h.entrySize(), h.entriesCrc(), h.tail()), true);
        }
        ImageFormatException e = catchThrowableOfType(this::read, ImageFormatException.class);
        assertThat(e.getMessage()).contains("entry_count = 2147483648").contains("exceeds imgtool's limit");
        assertThat(e.kind()).isEqualTo(ImageException.Kind.CORRUPT);
    }

    @Test
    void entrySizeBelow128() throws Exception {
        rewriteHeader(1, h -> new GptHeader(h.signature(), h.revision(), h.headerSize(), 0, h.reserved(), h.myLba(),
                h.alternateLba(), h.firstUsableLba(), h.lastUsableLba(), h.diskGuid(), h.entriesLba(), h.entryCount(),
                64, h.entriesCrc(), h.tail()), true);
        GptTable t = read();
        assertThat(t.report().source()).isEqualTo(GptTable.Source.BACKUP);
        assertThat(t.report().primaryProblem()).contains("entry_size = 64 at offset 596").contains("128 * 2^n");
        repairAndCheck();
    }

    @Test
    void headerSizeWrong() throws Exception {
        rewriteHeader(1, h -> new GptHeader(h.signature(), h.revision(), 91, h.headerCrc(), h.reserved(), h.myLba(),
                h.alternateLba(), h.firstUsableLba(), h.lastUsableLba(), h.diskGuid(), h.entriesLba(), h.entryCount(),
                h.entrySize(), h.entriesCrc(), h.tail()), true);
        rewriteHeader(lastLba, h -> new GptHeader(h.signature(), h.revision(), 513, h.headerCrc(), h.reserved(),
                h.myLba(), h.alternateLba(), h.firstUsableLba(), h.lastUsableLba(), h.diskGuid(), h.entriesLba(),
                h.entryCount(), h.entrySize(), h.entriesCrc(), h.tail()), true);
        Verification v = verify();
        assertThat(v.findings()).extracting(Verification.Finding::message)
                .anyMatch(m -> m.contains("header_size = 91 at offset 524"))
                .anyMatch(m -> m.contains("header_size = 513"));
        assertThatThrownBy(this::read).isInstanceOf(ImageFormatException.class).hasMessageContaining("header_size");
    }

    @Test
    void headerSizeLargerButValidIsKeptWithItsBytes() throws Exception {
        // 92 < size <= sector size is allowed; the CRC covers the extra bytes, which a rewrite keeps.
        rewriteHeader(1, h -> {
            byte[] tail = h.tail();
            tail[0] = 0x42;
            return new GptHeader(h.signature(), h.revision(), 96, 0, h.reserved(), h.myLba(), h.alternateLba(),
                    h.firstUsableLba(), h.lastUsableLba(), h.diskGuid(), h.entriesLba(), h.entryCount(), h.entrySize(),
                    h.entriesCrc(), tail);
        }, true);
        GptTable t = read();
        assertThat(t.report().source()).isEqualTo(GptTable.Source.PRIMARY);
        try (RawFileDevice disk = RawFileDevice.open(img, true)) {
            t.rename(3, "SLX_SYS").write(disk);
            GptHeader p = GptHeader.parse(ByteBuffer.wrap(disk.readBytes(SS, SS)), SS);
            assertThat(p.headerSize()).isEqualTo(96);
            assertThat(p.tail()[0]).isEqualTo((byte) 0x42);
            assertThat(p.crcValid()).isTrue();
            GptHeader b = GptHeader.parse(ByteBuffer.wrap(disk.readBytes(lastLba * SS, SS)), SS);
            assertThat(b.headerSize()).isEqualTo(96);
        }
        assertThat(verify().has("reserved-not-zero")).isTrue();
    }

    /** Changes entries in both copies consistently (CRCs recomputed): a table a buggy tool wrote. */
    private void rewriteEntries(UnaryOperator<List<GptEntry>> change) throws Exception {
        try (RawFileDevice disk = RawFileDevice.open(img, true)) {
            for (long lba : new long[] {1, lastLba}) {
                GptHeader h = GptHeader.parse(ByteBuffer.wrap(disk.readBytes(lba * SS, SS)), SS);
                byte[] array = disk.readBytes(h.entriesLba() * SS, (int) h.arrayBytes());
                List<GptEntry> entries = new java.util.ArrayList<>(GptTable.parseEntries(array, h));
                entries = change.apply(entries);
                ByteBuffer b = ByteBuffer.wrap(array);
                for (int i = 0; i < entries.size(); i++) {
                    entries.get(i).writeTo(b, i * 128);
                }
                disk.write(ByteBuffer.wrap(array), h.entriesLba() * SS);
                disk.write(ByteBuffer.wrap(h.withEntriesCrc(GptReader.crc32(array)).withComputedCrc().toBytes()),
                        lba * SS);
            }
        }
    }

    @Test
    void overlappingPartitions() throws Exception {
        rewriteEntries(l -> {
            GptEntry e = l.get(1);
            l.set(1, e.withRange(e.firstLba(), e.lastLba() + 100));
            return l;
        });
        Verification v = verify();
        assertThat(v.ok()).isFalse();
        assertThat(v.problems()).extracting(Verification.Finding::code).containsExactly("overlap");
        assertThat(v.problems().get(0).message()).contains("partitions 2").contains("and 3");
        ReferenceTools.Result r = ReferenceTools.run("sgdisk", "-v", img.toString());
        assertThat(r.stdout()).contains("overlap");
        // Reading works; writing the table as it is refuses, resizing the culprit fixes it.
        GptTable t = read();
        try (RawFileDevice disk = RawFileDevice.open(img, true)) {
            assertThatThrownBy(() -> t.rename(3, "x").write(disk)).isInstanceOf(ImageException.class)
                    .hasMessageContaining("partitions 2").hasMessageContaining("overlap");
            assertThatThrownBy(() -> GptTable.repair(disk, SS, false)).hasMessageContaining("overlap");
            GptPartition p2 = t.partition(2);
            t.resize(2, p2.lastLba() - 100).write(disk);
        }
        Scratch.assertSgdiskAccepts(img);
    }

    @Test
    void partitionPastTheEnd() throws Exception {
        rewriteEntries(l -> {
            GptEntry e = l.get(2);
            l.set(2, e.withRange(e.firstLba(), lastLba + 2048));
            return l;
        });
        Verification v = verify();
        assertThat(v.problems()).extracting(Verification.Finding::code).contains("past-end");
        ReferenceTools.Result r = ReferenceTools.run("sgdisk", "-v", img.toString());
        assertThat(r.stdout()).contains("problem");
        GptTable t = read();
        try (BlockDevice disk = RawFileDevice.open(img, true)) {
            ImageException e = catchThrowableOfType(() -> t.partition(3).open(disk), ImageException.class);
            assertThat(e.kind()).isEqualTo(ImageException.Kind.OUT_OF_RANGE);
            t.resize(3, t.lastUsableLba()).write(disk);
        }
        Scratch.assertSgdiskAccepts(img);
    }

    @Test
    void mbrMissingOrForeignIsRepaired() throws Exception {
        poke(510, (byte) 0, (byte) 0);
        assertThat(verify().has("mbr-missing")).isTrue();
        try (RawFileDevice disk = RawFileDevice.open(img, false)) {
            assertThat(PartitionTable.read(disk)).isInstanceOf(GptTable.class);
        }
        repairAndCheck();
    }

    @Test
    void dryRunRepairWritesNothing() throws Exception {
        poke(SS + 16, (byte) 0x5a);
        byte[] before = java.nio.file.Files.readAllBytes(img);
        try (RawFileDevice disk = RawFileDevice.open(img, true)) {
            GptTable.RepairResult r = GptTable.repair(disk, SS, true);
            assertThat(r.written()).isFalse();
            assertThat(r.source()).isEqualTo(GptTable.Source.BACKUP);
        }
        assertThat(java.nio.file.Files.readAllBytes(img)).isEqualTo(before);
    }

    /** An entry whose byte offset overflows a long must not wrap around to a plausible offset. */
    @Test
    void hostileLbasNeverWrapAround() throws Exception {
        rewriteEntries(l -> {
            l.set(2, l.get(2).withRange((1L << 55) + 1, (1L << 55) + 100));
            return l;
        });
        GptTable t = read();
        GptPartition p = t.partition(3);
        assertThat(p.offset()).isEqualTo(Long.MAX_VALUE);
        try (BlockDevice disk = RawFileDevice.open(img, false)) {
            ImageException e = catchThrowableOfType(() -> p.open(disk), ImageException.class);
            assertThat(e.kind()).isEqualTo(ImageException.Kind.OUT_OF_RANGE);
            assertThat(e.getMessage()).contains("partition 3").contains("does not lie inside the disk");
        }
        assertThat(verify().has("past-end")).isTrue();
    }
}
