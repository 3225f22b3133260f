package io.imgtool.gpt;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.RawFileDevice;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ring 3 with a real kernel: a table imgtool creates from nothing, with 512- and 4096-byte sectors,
 * is read by Linux (partition devices at the right offsets), accepted by sgdisk on the block device
 * (sgdisk cannot be told the sector size of an image file), and named as blkid reports it.
 */
class KernelCrossCheckTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void kernelSgdiskAndBlkidAcceptWhatImgtoolWrites(int sectorSize) throws Exception {
        Path img = Scratch.image(dir, "disk" + sectorSize + ".img", 256L << 20);
        GptTable t;
        try (RawFileDevice disk = RawFileDevice.open(img, true)) {
            long mib = (1 << 20) / sectorSize;
            t = GptTable.create(disk, sectorSize, UUID.fromString("0C0FFEE0-0000-4000-8000-000000000001"))
                    .add(NewPartition.builder().number(14).sectors(3 * mib).type(PartitionType.BIOS_BOOT).build(),
                            new SplittableRandom(1))
                    .add(NewPartition.builder().number(15).sectors(100 * mib).type(PartitionType.ESP).name("EFI")
                            .build(), new SplittableRandom(2))
                    .add(NewPartition.builder().number(1).type(PartitionType.ROOT_X86_64)
                            .attributes(GptAttributes.mask("growfs")).build(), new SplittableRandom(3));
            t.write(disk);
            RootLabeler.label(disk, RootLabeler.Options.builder("SLX_SYS").build());
            t = GptTable.read(disk, sectorSize);
        }
        StringBuilder cmds = new StringBuilder("sgdisk -v /dev/vda\nblkid -p -o export /dev/vda1\n");
        for (GptPartition p : t.partitions()) {
            cmds.append("echo part").append(p.number()).append(" $(cat /sys/block/vda/vda").append(p.number())
                    .append("/start) $(cat /sys/block/vda/vda").append(p.number()).append("/size)\n");
        }
        String guest = KernelProbe.run(dir.resolve("vm"), img, sectorSize, cmds.toString());
        assertThat(guest).contains("No problems found").doesNotContain("Warning").doesNotContain("Problem")
                .doesNotContain("Caution: invalid");
        assertThat(guest).contains("PART_ENTRY_NAME=SLX_SYS").contains("PART_ENTRY_TYPE=4f68bce3-e8cd-4db1-96e7-fbcaf984b709")
                .contains("PART_ENTRY_FLAGS=0x800000000000000");
        int k = sectorSize / 512;
        for (GptPartition p : t.partitions()) {
            assertThat(guest).contains("part" + p.number() + " " + p.firstLba() * k + " " + p.sectors() * k + "\n");
        }
    }
}
