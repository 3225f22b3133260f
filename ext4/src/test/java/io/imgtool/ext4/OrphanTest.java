package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.RawFileDevice;
import io.imgtool.ext4.nio.Ext4FileAttributes;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.Scratch;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An orphan list left by a crash (made with debugfs: a file unlinked while open, and a file whose
 * truncation was interrupted) is finished when the volume opens for writing, as e2fsck finishes it:
 * the result has the same free counts and block maps as the copy e2fsck -fy repaired, and is clean.
 */
class OrphanTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mkfs.ext4", "mkfs.ext3"})
    void orphansAreFinishedAsE2fsckFinishesThem(String mkfs) throws IOException {
        ReferenceTools.require("debugfs");
        Path work = Images.scratch("orphan-" + mkfs);
        Path tree = Files.createDirectories(work.resolve("tree"));
        Files.write(tree.resolve("unlinked"), new byte[3 * 4096 + 17]);
        byte[] big = new byte[10 * 4096];
        new java.util.Random(1).nextBytes(big);
        Files.write(tree.resolve("truncated"), big);
        Files.writeString(tree.resolve("keep"), "keep\n");
        Path img = Images.mkfs(work.resolve("o.img"), mkfs, List.of("-b", "4096"), tree, "32M");
        long a;
        long b;
        try (Ext4Volume vol = Images.open(img); FileSystem fs = vol.fileSystem()) {
            a = Files.readAttributes(fs.getPath("/unlinked"), Ext4FileAttributes.class).inode();
            b = Files.readAttributes(fs.getPath("/truncated"), Ext4FileAttributes.class).inode();
        }
        Debugfs.run(img, List.of("unlink /unlinked", "sif <" + a + "> links_count 0", "sif <" + a + "> dtime " + b,
                "sif /truncated size 5000", "sif /truncated dtime 0", "ssv last_orphan " + a), true);
        Path theirs = work.resolve("e2fsck.img");
        Scratch.copy(img, theirs);
        ReferenceTools.Result r = ReferenceTools.run("e2fsck", "-fy", theirs.toString());
        assertThat(r.exit()).as(r.describe()).isIn(0, 1);
        assertThat(r.stdout()).contains("orphan");

        try (Ext4Volume vol = Ext4Volume.openOwning(RawFileDevice.open(img, true),
                Ext4Options.builder().writable(true).build())) {
            assertThat(vol.superblock().lastOrphan()).isZero();
            Files.writeString(vol.fileSystem().getPath("/after"), "x");
            Files.delete(vol.fileSystem().getPath("/after"));
        }
        assertThat(Fsck.problems(img)).isNull();
        Map<Long, Debugfs.Stat> ours = Debugfs.stat(img, List.of(b));
        Map<Long, Debugfs.Stat> e2 = Debugfs.stat(theirs, List.of(b));
        assertThat(ours.get(b).size()).isEqualTo(5000);
        assertThat(ours.get(b).blockcount()).isEqualTo(e2.get(b).blockcount());
        String free = "Free blocks:";
        assertThat(line(img, free)).isEqualTo(line(theirs, free));
        assertThat(line(img, "Free inodes:")).isEqualTo(line(theirs, "Free inodes:"));
        try (Ext4Volume vol = Images.open(img); FileSystem fs = vol.fileSystem()) {
            byte[] got = Files.readAllBytes(fs.getPath("/truncated"));
            assertThat(got).isEqualTo(java.util.Arrays.copyOf(big, 5000));
        }
    }

    private static String line(Path img, String prefix) {
        return ReferenceTools.runOk("dumpe2fs", "-h", img.toString()).stdout().lines()
                .filter(l -> l.startsWith(prefix)).findFirst().orElse("");
    }
}
