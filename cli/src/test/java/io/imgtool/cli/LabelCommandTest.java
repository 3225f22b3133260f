package io.imgtool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.Json;
import io.imgtool.testdata.ReferenceTools;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code imgtool label --root} on the layouts the issue names, checked with sgdisk, partx and fdisk. */
class LabelCommandTest {

    @TempDir
    Path dir;

    private Path image(String name, long size) throws Exception {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    private Path debianCloud() throws Exception {
        Path raw = image("debian.img", 256L << 20);
        ReferenceTools.runOk("sgdisk", "-o", "-n", "14:2048:+3M", "-t", "14:ef02", "-n", "15:0:+124M", "-t", "15:ef00",
                "-n", "1:0:0", "-t", "1:8300", raw.toString());
        ReferenceTools.runOk("mkfs.ext4", "-q", "-F", "-E", "offset=" + 262144L * 512, "-L", "debroot", raw.toString(),
                "64M");
        return raw;
    }

    private static void sgdiskAccepts(Path img) {
        ReferenceTools.Result r = ReferenceTools.run("sgdisk", "-v", img.toString());
        assertThat(r.stdout()).as(r.describe()).contains("No problems found");
        assertThat(r.stdout() + r.stderr()).as(r.describe()).doesNotContain("Warning").doesNotContain("Problem");
    }

    @ParameterizedTest
    @EnumSource(ImageFormat.class)
    void debianCloudLayoutPrintsBeforeAndAfterAndIsIdempotent(ImageFormat format) throws Exception {
        Path img = format.adopt(debianCloud());
        Cli.Run r = Cli.run("label", "--root", "SLX_SYS", img.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("partition 1 (Linux filesystem, LBA 262144..524254)")
                .contains("name: '' -> 'SLX_SYS'");
        Path raw = format.rawView(img);
        sgdiskAccepts(raw);
        assertThat(ReferenceTools.runOk("sgdisk", "-i", "1", raw.toString()).stdout())
                .contains("Partition name: 'SLX_SYS'");
        assertThat(ReferenceTools.runOk("partx", "--show", "-g", "-o", "NR,NAME", raw.toString()).stdout())
                .containsPattern("(?m)^\\s*1\\s+SLX_SYS$");

        byte[] before = Files.readAllBytes(raw);
        Cli.Run again = Cli.run("label", "--root", "SLX_SYS", "--json", img.toString());
        assertThat(again.exit()).isZero();
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) Json.parse(again.out());
        assertThat(m).containsEntry("partition", 1L).containsEntry("nameBefore", "SLX_SYS")
                .containsEntry("changed", false).containsEntry("written", false);
        assertThat(Files.readAllBytes(format.rawView(img))).isEqualTo(before);
    }

    @Test
    void dryRunWritesNothing() throws Exception {
        Path img = debianCloud();
        byte[] before = Files.readAllBytes(img);
        Cli.Run r = Cli.run("label", "--root", "SLX_SYS", "--dry-run", img.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("name: '' -> 'SLX_SYS'").contains("dry run: nothing written");
        assertThat(Files.readAllBytes(img)).isEqualTo(before);
    }

    @ParameterizedTest
    @EnumSource(ImageFormat.class)
    void twoLinuxPartitionsErrorThenPartition(ImageFormat format) throws Exception {
        Path raw = image("two.img", 64L << 20);
        ReferenceTools.runOk("sgdisk", "-o", "-n", "1:0:+20M", "-t", "1:8300", "-n", "2:0:0", "-t", "2:8300",
                raw.toString());
        Path img = format.adopt(raw);
        Cli.Run r = Cli.run("label", "--root", "SLX_SYS", img.toString());
        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("2 partitions could be the root partition").contains("1 (Linux filesystem")
                .contains("2 (Linux filesystem").contains("--partition N").doesNotContain("Exception");
        Cli.Run chosen = Cli.run("label", "--root", "SLX_SYS", "--partition", "2", img.toString());
        assertThat(chosen.exit()).as(chosen.err()).isZero();
        assertThat(chosen.out()).contains("partition 2").contains("chosen with --partition");
        sgdiskAccepts(format.rawView(img));
        assertThat(ReferenceTools.runOk("sgdisk", "-i", "2", format.rawView(img).toString()).stdout())
                .contains("Partition name: 'SLX_SYS'");
    }

    @Test
    void mbrDiskErrorSuggestsFsLabelWhichNeedsAnExtFilesystem() throws Exception {
        Path img = image("mbr.img", 64L << 20);
        ReferenceTools.run(Duration.ofMinutes(1), "label: dos\n,,83\n".getBytes(StandardCharsets.UTF_8), "sfdisk", "-q",
                img.toString()).assertOk();
        Cli.Run r = Cli.run("label", "--root", "SLX_SYS", img.toString());
        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("MBR partitions have no names").contains("--fs-label");
        Cli.Run fs = Cli.run("label", "--root", "SLX_SYS", "--fs-label", img.toString());
        assertThat(fs.exit()).isEqualTo(ExitCodes.UNSUPPORTED);
        assertThat(fs.err()).contains("fs-label").contains("no ext2/ext3/ext4 filesystem");
        // With an ext4 filesystem in the MBR partition, --fs-label is how the root gets its name.
        ReferenceTools.runOk("mkfs.ext4", "-q", "-F", "-E", "offset=" + 2048 * 512, img.toString(), "60M");
        Cli.Run ok = Cli.run("label", "--root", "SLX_SYS", "--fs-label", img.toString());
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(ReferenceTools.runOk("blkid", "-p", "-O", String.valueOf(2048 * 512), "-o", "value", "-s", "LABEL",
                img.toString()).stdout().trim()).isEqualTo("SLX_SYS");
    }

    @Test
    void fourKSectorRawDisk() throws Exception {
        Path img = image("4k.img", 128L << 20);
        ReferenceTools.run(Duration.ofMinutes(1), "g\nn\n\n\n+16M\nt\n1\nn\n\n\n\nw\n".getBytes(StandardCharsets.UTF_8),
                "fdisk", "-b", "4096", img.toString()).assertOk();
        Cli.Run r = Cli.run("label", "--root", "SLX_SYS", img.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("partition 2 (Linux filesystem, LBA 4352..");
        String fdisk = ReferenceTools.runOk("fdisk", "-b", "4096", "-l", "-o", "Device,Start,Name", img.toString())
                .stdout();
        assertThat(fdisk).containsPattern("4k.img2\\s+4352\\s+SLX_SYS");
        // Forcing the wrong sector size finds no GPT, and says where one is.
        Cli.Run wrong = Cli.run("label", "--root", "SLX_SYS", "--sector-size", "512", img.toString());
        assertThat(wrong.exit()).isEqualTo(ExitCodes.CORRUPT);
        assertThat(wrong.err()).contains("GPT for 4096-byte sectors (--sector-size 4096)");
        assertThat(Cli.run("part", "list", "--sector-size", "4096", img.toString()).out()).contains("SLX_SYS");
    }
}
