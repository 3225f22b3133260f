package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.ImageException;
import io.imgtool.core.RawFileDevice;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.Scratch;
import io.imgtool.testdata.Trees;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Label and UUID as tune2fs sets them: checked with dumpe2fs (primary and a backup superblock),
 * blkid and tune2fs -l, e2fsck -fn; a UUID change is compared with what tune2fs -U makes of the same
 * image (every group descriptor and bitmap checksum as dumpe2fs prints them).
 */
class LabelUuidTest {

    private static Path image(String name, String mkfs, List<String> args) throws IOException {
        Path work = Images.scratch("label-" + name);
        Path tree = work.resolve("tree");
        Trees.build(tree, Trees.Spec.plain(5));
        return Images.mkfs(work.resolve(name + ".img"), mkfs, args, tree, "300M");
    }

    private static Ext4Volume writable(Path image) throws IOException {
        return Ext4Volume.openOwning(RawFileDevice.open(image, true), Ext4Options.builder().writable(true).build());
    }

    private static String header(Path img, String... extra) {
        List<String> cmd = new java.util.ArrayList<>(List.of("dumpe2fs", "-h"));
        cmd.addAll(List.of(extra));
        cmd.add(img.toString());
        return ReferenceTools.runOk(cmd.toArray(String[]::new)).stdout();
    }

    @Test
    void labelLikeTune2fs() throws IOException {
        ReferenceTools.require("blkid");
        Path img = image("label", "mkfs.ext4", List.of("-b", "4096"));
        try (Ext4Volume vol = writable(img)) {
            assertThat(vol.label()).isEmpty();
            vol.setLabel("IMAGE");
            assertThat(vol.label()).isEqualTo("IMAGE");
            assertThatThrownBy(() -> vol.setLabel("seventeen-bytes-x")).isInstanceOf(ImageException.class)
                    .hasMessageContaining("16 bytes");
        }
        assertThat(header(img)).contains("Filesystem volume name:   IMAGE");
        assertThat(header(img, "-o", "superblock=32768", "-o", "blocksize=4096"))
                .contains("Filesystem volume name:   IMAGE");
        assertThat(ReferenceTools.runOk("blkid", "-p", "-o", "value", "-s", "LABEL", img.toString()).stdout().trim())
                .isEqualTo("IMAGE");
        assertThat(ReferenceTools.runOk("tune2fs", "-l", img.toString()).stdout())
                .contains("Filesystem volume name:   IMAGE");
        assertThat(Fsck.problems(img)).isNull();
        try (Ext4Volume vol = writable(img)) {
            vol.setLabel("ünïcødé-1234"); // 16 bytes of UTF-8
        }
        assertThat(ReferenceTools.runOk("blkid", "-p", "-o", "value", "-s", "LABEL", img.toString()).stdout().trim())
                .isEqualTo("ünïcødé-1234");
        assertThat(Fsck.problems(img)).isNull();
    }

    /** dumpe2fs output without the lines a second tool legitimately writes differently (times, counters). */
    private static String comparable(Path img) {
        String out = ReferenceTools.runOk("dumpe2fs", img.toString()).stdout();
        return out.lines().filter(l -> !l.startsWith("Last write time") && !l.startsWith("Last mount time")
                        && !l.startsWith("Lifetime writes") && !l.startsWith("Last checked")
                        && !l.startsWith("Checksum:") && !l.startsWith("Journal sequence")
                        && !l.startsWith("Journal start"))
                .collect(Collectors.joining("\n"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "debian-defaults-rewrite,mkfs.ext4,-b 4096",
        "with-csum-seed,mkfs.ext4,-O metadata_csum_seed",
        "uninit_bg-crc16,mkfs.ext4,-O ^metadata_csum,uninit_bg",
        "1k-rewrite,mkfs.ext4,-b 1024",
        "ext2,mkfs.ext2,-b 4096"})
    void uuidLikeTune2fs(String name, String mkfs, String args) throws IOException {
        ReferenceTools.require("tune2fs");
        Path img = image(name, mkfs, List.of(args.split(" ")));
        Path theirs = img.resolveSibling(name + "-tune2fs.img");
        Scratch.copy(img, theirs);
        UUID u = UUID.fromString("0f0e0d0c-0b0a-4908-8706-050403020100");
        ReferenceTools.runOk("tune2fs", "-U", u.toString(), theirs.toString());
        try (Ext4Volume vol = writable(img)) {
            vol.setUuid(u);
            assertThat(vol.uuid()).isEqualTo(u);
        }
        assertThat(Fsck.problems(img)).isNull();
        assertThat(Fsck.problems(theirs)).isNull();
        assertThat(ReferenceTools.runOk("blkid", "-p", "-o", "value", "-s", "UUID", img.toString()).stdout().trim())
                .isEqualTo(u.toString());
        assertThat(comparable(img)).isEqualTo(comparable(theirs));
        assertThat(header(img, "-o", "superblock=" + (header(img).contains("Block size:               1024") ? 8193 : 32768),
                "-o", "blocksize=" + (header(img).contains("Block size:               1024") ? 1024 : 4096)))
                .contains("Filesystem UUID:          " + u);
        try (Ext4Volume vol = Images.open(img)) {
            assertThat(vol.check().problems()).isEmpty();
        }
    }

    @Test
    void keepingTheSeedTurnsOnMetadataCsumSeedInOneStep() throws IOException {
        Path img = image("keep-seed", "mkfs.ext4", List.of());
        UUID u = UUID.fromString("11111111-2222-4333-8444-555555555555");
        try (Ext4Volume vol = writable(img)) {
            vol.setUuid(u, true);
        }
        assertThat(header(img)).contains("metadata_csum_seed").contains("Filesystem UUID:          " + u);
        assertThat(Fsck.problems(img)).isNull();
    }

    @Test
    void resetMountStateClearsTheMountedLife() throws IOException {
        Path img = image("mountstate", "mkfs.ext4", List.of());
        ReferenceTools.runOk("debugfs", "-w", "-R", "ssv last_mounted /mnt/old", img.toString());
        ReferenceTools.runOk("debugfs", "-w", "-R", "ssv mnt_count 17", img.toString());
        ReferenceTools.runOk("debugfs", "-w", "-R", "ssv error_count 3", img.toString());
        try (Ext4Volume vol = Ext4Volume.openOwning(RawFileDevice.open(img, true),
                Ext4Options.builder().writable(true).ignoreRecordedErrors(true).build())) {
            vol.resetMountState();
        }
        String h = header(img);
        assertThat(h).contains("Last mounted on:          <not available>").contains("Mount count:              0")
                .doesNotContain("FS Error count");
        assertThat(Fsck.problems(img)).isNull();
    }
}
