package io.imgtool.gpt;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.RawFileDevice;
import io.imgtool.gpt.ondisk.Guids;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ring 3: what imgtool writes, sgdisk accepts and sees; what sgdisk writes, imgtool reads byte for byte. */
class SgdiskCrossCheckTest {

    static final UUID DISK = UUID.fromString("4AFE5654-81F2-4657-A497-B1740882487E");
    static final UUID P1 = UUID.fromString("CC63BE9D-B400-4C62-B66F-354383D90F3E");
    static final UUID P2 = UUID.fromString("6F7F9DA7-05E1-42FC-A9CB-413F51BEBB1A");
    static final UUID P3 = UUID.fromString("AA057D4E-80E0-4EC6-BE95-8B174C0C6E3C");

    @TempDir
    Path dir;

    @Test
    void sameLayoutSameBytesAsSgdisk() throws Exception {
        long size = 64L << 20;
        Path theirs = Scratch.image(dir, "sgdisk.img", size);
        Scratch.sgdisk(theirs, "-o", "-U", DISK.toString(),
                "-n", "1:2048:+1M", "-t", "1:ef02", "-u", "1:" + P1,
                "-n", "2:0:+16M", "-t", "2:ef00", "-u", "2:" + P2, "-c", "2:EFI system",
                "-n", "3:0:0", "-t", "3:8304", "-u", "3:" + P3, "-c", "3:SLX_SYS", "-A", "3:set:2", "-A", "3:set:60");
        Path ours = Scratch.image(dir, "imgtool.img", size);
        try (RawFileDevice disk = RawFileDevice.open(ours, true)) {
            SplittableRandom unused = new SplittableRandom(0);
            GptTable.create(disk, 512, DISK)
                    .add(NewPartition.builder().number(1).sectors(2048).type(PartitionType.BIOS_BOOT)
                            .partitionGuid(P1).build(), unused)
                    .add(NewPartition.builder().number(2).sectors(32768).type(PartitionType.ESP).partitionGuid(P2)
                            .name("EFI system").build(), unused)
                    .add(NewPartition.builder().number(3).type(PartitionType.ROOT_X86_64).partitionGuid(P3)
                            .name("SLX_SYS").attributes(GptAttributes.mask("legacy-bios-bootable,read-only")).build(),
                            unused)
                    .write(disk);
        }
        byte[] a = Files.readAllBytes(theirs);
        byte[] b = Files.readAllBytes(ours);
        int at = Arrays.mismatch(a, b);
        assertThat(at).as("first differing byte (sector %d)", at / 512).isEqualTo(-1);
        Scratch.assertSgdiskAccepts(ours);
    }

    @Test
    void sgdiskSeesWhatImgtoolSet() throws Exception {
        Path img = Scratch.image(dir, "d.img", 256L << 20);
        UUID guid = UUID.fromString("0B7C1D2E-3F40-4152-8364-758697A8B9CA");
        try (RawFileDevice disk = RawFileDevice.open(img, true)) {
            GptTable.create(disk, 512, DISK)
                    .add(NewPartition.builder().sectors(2048).type(PartitionType.BIOS_BOOT).build(), new SplittableRandom(1))
                    .add(NewPartition.builder().type(PartitionType.parse("root-aarch64")).partitionGuid(guid)
                            .name("SLX_SYS").attributes(GptAttributes.mask("required,no-automount,growfs")).build(),
                            new SplittableRandom(2))
                    .write(disk);
        }
        Scratch.assertSgdiskAccepts(img);
        String info = Scratch.sgdisk(img, "-i", "2");
        assertThat(info).contains("Partition GUID code: B921B045-1DF0-41C3-AF44-4C6F280D3FAE")
                .contains("Partition unique GUID: " + Guids.toText(guid))
                .contains("Partition name: 'SLX_SYS'")
                .contains("Attribute flags: 8800000000000001")
                .contains("First sector: 4096");
        assertThat(Scratch.sgdisk(img, "-p")).contains("Disk identifier (GUID): " + Guids.toText(DISK));
    }

    @Test
    void hybridMbrIsDetectedKeptAndChecked() throws Exception {
        Path img = Scratch.image(dir, "hybrid.img", 64L << 20);
        Scratch.sgdisk(img, "-o", "-n", "1:0:+8M", "-t", "1:0700", "-n", "2:0:+8M", "-t", "2:8300", "-n", "3:0:0",
                "-h", "1:2");
        try (RawFileDevice disk = RawFileDevice.open(img, true)) {
            GptTable t = GptTable.read(disk, 512);
            assertThat(t.isHybrid()).isTrue();
            assertThat(t.report().mbrState()).isEqualTo(GptTable.MbrState.HYBRID);
            Verification v = GptVerifier.verify(disk, 512);
            assertThat(v.ok()).isTrue();
            assertThat(v.has("hybrid")).isTrue();
            byte[] mbr = disk.readBytes(0, 512);
            t.rename(3, "SLX_SYS").write(disk);
            assertThat(disk.readBytes(0, 512)).as("a hybrid MBR is left as it is").isEqualTo(mbr);
            // Deleting a partition the hybrid MBR mirrors leaves a mismatch that verify reports, like sgdisk.
            GptTable.read(disk, 512).delete(2).write(disk);
            Verification after = GptVerifier.verify(disk, 512);
            assertThat(after.has("hybrid-mismatch")).isTrue();
        }
        assertThat(io.imgtool.testdata.ReferenceTools.run("sgdisk", "-v", img.toString()).stdout())
                .contains("Mismatched GPT and MBR partition");
    }

    /** 256 entries and the main array moved to sector 4096 (sgdisk -S, -j): kept exactly by a rewrite. */
    @Test
    void unusualTableShapesSurviveARewrite() throws Exception {
        Path img = Scratch.image(dir, "shape.img", 64L << 20);
        Scratch.sgdisk(img, "-o", "-S", "256", "-j", "4096", "-n", "1:0:+10M", "-n", "2:0:0");
        byte[] before = Files.readAllBytes(img);
        try (RawFileDevice disk = RawFileDevice.open(img, true)) {
            GptTable t = GptTable.read(disk, 512);
            assertThat(t.entryCount()).isEqualTo(256);
            assertThat(t.primaryEntriesLba()).isEqualTo(4096);
            assertThat(t.firstUsableLba()).isEqualTo(4160);
            assertThat(t.backupEntriesLba()).isEqualTo(131071 - 64);
            t.write(disk);
            assertThat(Files.readAllBytes(img)).as("rewriting an unchanged table changes no byte").isEqualTo(before);
            t.rename(2, "SLX_SYS").write(disk);
        }
        Scratch.assertSgdiskFindsNoProblems(img); // sgdisk warns about its own gap before sector 4096
        assertThat(Scratch.sgdisk(img, "-p")).contains("Main partition table begins at sector 4096")
                .contains("holds up to 256 entries");
        assertThat(Scratch.sgdisk(img, "-i", "2")).contains("Partition name: 'SLX_SYS'");
    }
}
