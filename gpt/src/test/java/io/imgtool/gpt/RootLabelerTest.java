package io.imgtool.gpt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.testdata.ReferenceTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code label --root} as a library call, on the layouts the issue names, checked by sgdisk,
 * libblkid (partx) and, for the Debian and 4096-byte cases, blkid on a real partition device in a
 * booted kernel.
 */
class RootLabelerTest {

    @TempDir
    Path dir;

    /** Debian cloud layout: BIOS boot (14), ESP (15) and the root filesystem (1) filling the disk. */
    private Path debianCloud(String name) throws Exception {
        Path raw = Scratch.image(dir, name, 256L << 20);
        Scratch.sgdisk(raw, "-o", "-n", "14:2048:+3M", "-t", "14:ef02", "-n", "15:0:+124M", "-t", "15:ef00",
                "-n", "1:0:0", "-t", "1:8300");
        ReferenceTools.runOk("mkfs.vfat", "--offset", "8192", "-n", "UEFI", raw.toString(), String.valueOf(124 * 1024));
        ReferenceTools.runOk("mkfs.ext4", "-q", "-F", "-E", "offset=" + 262144L * 512, "-L", "debroot", raw.toString(),
                "64M");
        return raw;
    }

    private static RootLabeler.Result label(DiskFormat f, Path img, RootLabeler.Options o) throws Exception {
        try (BlockDevice disk = f.open(img, !o.dryRun())) {
            return RootLabeler.label(disk, o);
        }
    }

    @ParameterizedTest
    @EnumSource(DiskFormat.class)
    void debianCloudLayout(DiskFormat format) throws Exception {
        Path img = format.adopt(debianCloud("debian.img"));
        RootLabeler.Result r = label(format, img, RootLabeler.Options.builder("SLX_SYS").build());
        assertThat(r.partition().number()).isEqualTo(1);
        assertThat(r.reason()).contains("only Linux filesystem");
        assertThat(r.nameBefore()).isEmpty();
        assertThat(r.nameAfter()).isEqualTo("SLX_SYS");
        assertThat(r.changed()).isTrue();
        assertThat(r.written()).isTrue();

        Path raw = format.rawView(img);
        Scratch.assertSgdiskAccepts(raw);
        assertThat(Scratch.sgdisk(raw, "-i", "1")).contains("Partition name: 'SLX_SYS'")
                .contains("0FC63DAF-8483-4772-8E79-3D69D8477DE4");
        String partx = ReferenceTools.runOk("partx", "--show", "-g", "-o", "NR,NAME", raw.toString()).stdout();
        assertThat(partx).containsPattern("(?m)^\\s*1\\s+SLX_SYS$");

        // The real thing: blkid on /dev/vda1 in a booted kernel.
        String guest = KernelProbe.run(dir.resolve("vm"), raw, 512, "blkid -p -o export /dev/vda1\n");
        assertThat(guest).contains("PART_ENTRY_NAME=SLX_SYS").contains("PART_ENTRY_NUMBER=1")
                .contains("TYPE=ext4").contains("LABEL=debroot");

        // Idempotent: a second run finds nothing to do and writes nothing.
        byte[] before = Files.readAllBytes(raw);
        RootLabeler.Result again = label(format, img, RootLabeler.Options.builder("SLX_SYS").build());
        assertThat(again.changed()).isFalse();
        assertThat(again.written()).isFalse();
        assertThat(again.nameBefore()).isEqualTo("SLX_SYS");
        assertThat(Files.readAllBytes(format.rawView(img))).isEqualTo(before);
    }

    @ParameterizedTest
    @EnumSource(DiskFormat.class)
    void dryRunWritesNothing(DiskFormat format) throws Exception {
        Path img = format.adopt(debianCloud("dry.img"));
        byte[] before = Files.readAllBytes(format.rawView(img));
        RootLabeler.Result r = label(format, img, RootLabeler.Options.builder("SLX_SYS").dryRun(true).build());
        assertThat(r.changed()).isTrue();
        assertThat(r.written()).isFalse();
        assertThat(r.partition().number()).isEqualTo(1);
        assertThat(Files.readAllBytes(format.rawView(img))).isEqualTo(before);
    }

    @ParameterizedTest
    @EnumSource(DiskFormat.class)
    void twoLinuxPartitionsNeedAChoice(DiskFormat format) throws Exception {
        Path raw = Scratch.image(dir, "two.img", 64L << 20);
        Scratch.sgdisk(raw, "-o", "-n", "1:0:+20M", "-t", "1:8300", "-c", "1:data", "-n", "2:0:0", "-t", "2:8304");
        Path img = format.adopt(raw);
        ImageException e = catchThrowableOfType(
                () -> label(format, img, RootLabeler.Options.builder("SLX_SYS").build()), ImageException.class);
        assertThat(e.kind()).isEqualTo(ImageException.Kind.INVALID_ARGUMENT);
        assertThat(e.getMessage()).contains("2 partitions could be the root partition")
                .contains("1 (Linux filesystem, LBA 2048..43007, 'data')").contains("2 (Linux root (x86-64)")
                .contains("--partition N");
        Scratch.assertSgdiskAccepts(format.rawView(img));
        assertThat(Scratch.sgdisk(format.rawView(img), "-i", "2")).contains("Partition name: ''");

        RootLabeler.Result r = label(format, img, RootLabeler.Options.builder("SLX_SYS").partition(2).build());
        assertThat(r.partition().number()).isEqualTo(2);
        assertThat(r.reason()).contains("--partition");
        Scratch.assertSgdiskAccepts(format.rawView(img));
        assertThat(Scratch.sgdisk(format.rawView(img), "-i", "2")).contains("Partition name: 'SLX_SYS'");
        assertThat(Scratch.sgdisk(format.rawView(img), "-i", "1")).contains("Partition name: 'data'");
    }

    @Test
    void rootTypeWinsOverHomeAndSwap() throws Exception {
        Path raw = Scratch.image(dir, "typed.img", 64L << 20);
        Scratch.sgdisk(raw, "-o", "-n", "1:0:+8M", "-t", "1:8200", "-n", "2:0:+20M", "-t", "2:8305",
                "-n", "3:0:0", "-t", "3:8302");
        RootLabeler.Result r = label(DiskFormat.RAW, raw, RootLabeler.Options.builder("SLX_SYS").build());
        assertThat(r.partition().number()).isEqualTo(2);
        assertThat(((GptPartition) r.partition()).type()).isEqualTo(PartitionType.ROOT_ARM64);
    }

    @Test
    void detectorDecidesBetweenTwoLinuxPartitions() throws Exception {
        Path raw = Scratch.image(dir, "detect.img", 128L << 20);
        Scratch.sgdisk(raw, "-o", "-n", "1:0:+40M", "-t", "1:8300", "-n", "2:0:0", "-t", "2:8300");
        ReferenceTools.runOk("mkfs.ext4", "-q", "-F", "-E", "offset=" + 2048L * 512, "-L", "home", raw.toString(), "30M");
        ReferenceTools.runOk("mkfs.ext4", "-q", "-F", "-E", "offset=" + 83968L * 512, "-L", "root", raw.toString(), "30M");
        // Stands in for the ext4 detector: "root" is the root filesystem, other ext4 volumes are not.
        RootFsDetector byLabel = part -> {
            Optional<FilesystemProbe.Info> i = FilesystemProbe.probe(part);
            if (i.isEmpty()) {
                return RootFsDetector.Answer.UNKNOWN;
            }
            return i.get().label().equals("root") ? RootFsDetector.Answer.YES : RootFsDetector.Answer.NO;
        };
        RootLabeler.Result r = label(DiskFormat.RAW, raw, RootLabeler.Options.builder("SLX_SYS").detector(byLabel).build());
        assertThat(r.partition().number()).isEqualTo(2);
        assertThat(r.reason()).contains("root filesystem");
        Scratch.assertSgdiskAccepts(raw);
    }

    @Test
    void mbrDiskExplainsAndSuggestsFsLabel() throws Exception {
        Path raw = Scratch.image(dir, "mbr.img", 64L << 20);
        ReferenceTools.run(Duration.ofMinutes(1), "label: dos\n,10M,83,*\n,,83\n".getBytes(StandardCharsets.UTF_8),
                "sfdisk", "-q", raw.toString()).assertOk();
        byte[] before = Files.readAllBytes(raw);
        ImageException e = catchThrowableOfType(
                () -> label(DiskFormat.RAW, raw, RootLabeler.Options.builder("SLX_SYS").build()), ImageException.class);
        assertThat(e.kind()).isEqualTo(ImageException.Kind.INVALID_ARGUMENT);
        assertThat(e.getMessage()).contains("MBR").contains("no names").contains("--fs-label");
        UnsupportedFeatureException u = catchThrowableOfType(() -> label(DiskFormat.RAW, raw,
                RootLabeler.Options.builder("SLX_SYS").fsLabel(true).build()), UnsupportedFeatureException.class);
        assertThat(u.feature()).isEqualTo("fs-label");
        assertThat(u.getMessage()).contains("not available yet");
        assertThat(Files.readAllBytes(raw)).isEqualTo(before);
    }

    @Test
    void fsLabelFailsBeforeWritingAnything() throws Exception {
        Path raw = debianCloud("fslabel.img");
        byte[] before = Files.readAllBytes(raw);
        catchThrowableOfType(() -> label(DiskFormat.RAW, raw, RootLabeler.Options.builder("SLX_SYS").fsLabel(true)
                .build()), UnsupportedFeatureException.class);
        assertThat(Files.readAllBytes(raw)).isEqualTo(before);
    }

    @Test
    void fsLabelWriterIsUsedWhenPlugged() throws Exception {
        Path raw = debianCloud("fsw.img");
        String[] seen = new String[2];
        FsLabelWriter fake = new FsLabelWriter() {
            @Override
            public String label(BlockDevice partition) throws java.io.IOException {
                return FilesystemProbe.probe(partition).map(FilesystemProbe.Info::label).orElse("");
            }

            @Override
            public void checkLabel(String label) {
                seen[0] = label;
            }

            @Override
            public void setLabel(BlockDevice partition, String label) {
                seen[1] = label + "@" + partition.size();
            }
        };
        RootLabeler.Result r = label(DiskFormat.RAW, raw, RootLabeler.Options.builder("SLX_SYS").fsLabel(true)
                .fsLabelWriter(fake).build());
        assertThat(r.fsLabelBefore()).isEqualTo("debroot");
        assertThat(r.fsLabelAfter()).isEqualTo("SLX_SYS");
        assertThat(seen).containsExactly("SLX_SYS", "SLX_SYS@" + r.partition().size());
    }

    @Test
    void badNamesAreRefused() throws Exception {
        Path raw = debianCloud("bad.img");
        for (String bad : new String[] {"", "x".repeat(37), "a\0b"}) {
            ImageException e = catchThrowableOfType(() -> label(DiskFormat.RAW, raw,
                    RootLabeler.Options.builder(bad).build()), ImageException.class);
            assertThat(e.kind()).isEqualTo(ImageException.Kind.INVALID_ARGUMENT);
        }
    }

    @Test
    void noPartitionTableIsAClearError() throws Exception {
        Path raw = Scratch.image(dir, "blank.img", 16L << 20);
        ImageException e = catchThrowableOfType(
                () -> label(DiskFormat.RAW, raw, RootLabeler.Options.builder("SLX_SYS").build()), ImageException.class);
        assertThat(e.getMessage()).contains("no partition table");
    }

    /** A 4096-byte-sector disk made by fdisk -b 4096: detected, labelled, and checked by the kernel. */
    @Test
    void fourKSectorDisk() throws Exception {
        Path raw = Scratch.image(dir, "4k.img", 128L << 20);
        ReferenceTools.run(Duration.ofMinutes(1), "g\nn\n\n\n+16M\nt\n1\nn\n\n\n\nw\n".getBytes(StandardCharsets.UTF_8),
                "fdisk", "-b", "4096", raw.toString()).assertOk();
        RootLabeler.Result r = label(DiskFormat.RAW, raw, RootLabeler.Options.builder("SLX_SYS").build());
        assertThat(r.partition().number()).isEqualTo(2);
        assertThat(r.partition().sectorSize()).isEqualTo(4096);
        assertThat(r.partition().firstLba()).isEqualTo(4352);

        String fdisk = ReferenceTools.runOk("fdisk", "-b", "4096", "-l", "-o", "Device,Start,End,Name", raw.toString())
                .stdout();
        assertThat(fdisk).containsPattern("4k.img2\\s+4352\\s+\\d+\\s+SLX_SYS");
        String verify = ReferenceTools.run(Duration.ofMinutes(1), "v\nq\n".getBytes(StandardCharsets.UTF_8), "fdisk",
                "-b", "4096", raw.toString()).stdout();
        assertThat(verify).contains("No errors detected");

        String guest = KernelProbe.run(dir.resolve("vm4k"), raw, 4096,
                "blkid -p -o export /dev/vda2\ncat /sys/block/vda/queue/logical_block_size\nsgdisk -v /dev/vda\n");
        assertThat(guest).contains("PART_ENTRY_NAME=SLX_SYS").contains("4096\n").contains("No problems found");
        // fdisk's own layout earns a warning (a gap before the first usable sector); nothing else may.
        assertThat(guest).doesNotContain("Problem").doesNotContain("CRC");
    }
}
