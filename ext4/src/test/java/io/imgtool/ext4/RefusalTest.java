package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.ImageException;
import io.imgtool.core.ImageFormatException;
import io.imgtool.core.RawFileDevice;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.ext4.nio.Ext4FileAttributes;
import io.imgtool.ext4.ondisk.Checksums;
import io.imgtool.ext4.ondisk.Superblock;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.Scratch;
import io.imgtool.testdata.TreeSnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * What the writer refuses, and that a refusal writes nothing (the image's SHA-256 is unchanged, also
 * after closing): unknown or unsupported features, recorded errors, an orphan file with orphans, a journal that needs
 * recovery under REFUSE, and structures that fail their checksum where a change would touch them.
 */
class RefusalTest {

    private static Path image(String name, List<String> args) throws IOException {
        Path work = Images.scratch("refuse-" + name);
        Path tree = Files.createDirectories(work.resolve("tree"));
        Files.createDirectories(tree.resolve("etc"));
        Files.writeString(tree.resolve("etc/hostname"), "old\n");
        Files.writeString(tree.resolve("file"), "x".repeat(10_000));
        return Images.mkfs(work.resolve(name + ".img"), "mkfs.ext4", args, tree, "32M");
    }

    static void patchSuperblock(Path image, Consumer<Superblock> change) throws IOException {
        try (RawFileDevice d = RawFileDevice.open(image, true)) {
            ByteBuffer b = ByteBuffer.allocate(Superblock.SIZE);
            d.read(b, Superblock.OFFSET);
            Superblock sb = Superblock.parse(b.flip());
            change.accept(sb);
            Checksums.of(sb).setSuperblock(sb);
            d.write(ByteBuffer.wrap(sb.toBytes()), Superblock.OFFSET);
        }
    }

    private static Ext4Volume writable(Path image) throws IOException {
        return Ext4Volume.openOwning(RawFileDevice.open(image, true), Ext4Options.builder().writable(true).build());
    }

    private static String sha(Path p) throws IOException {
        return TreeSnapshot.sha256(p);
    }

    @Test
    void unsupportedFeaturesRefuseWritingButStillRead() throws IOException {
        ReferenceTools.require("mkfs.ext4");
        Path img = image("features", List.of());
        int[][] cases = {
            {0, 0x80000},                     // unknown incompatible: refuses even reading
            {1, 0x40000},                     // unknown read-only-compatible
            {1, 0x100},                       // quota
            {2, 0x100},                       // mmp
        };
        for (int[] c : cases) {
            Path copy = img.resolveSibling("f-" + c[0] + "-" + c[1] + ".img");
            Scratch.copy(img, copy);
            patchSuperblock(copy, sb -> {
                if (c[0] == 0 || c[0] == 2) {
                    sb.setFeatureIncompat(sb.featureIncompat() | c[1]);
                } else {
                    sb.setFeatureRoCompat(sb.featureRoCompat() | c[1]);
                }
            });
            String before = sha(copy);
            assertThatThrownBy(() -> writable(copy).close()).isInstanceOf(UnsupportedFeatureException.class)
                    .hasMessageContaining("refusing");
            assertThat(sha(copy)).isEqualTo(before);
            if (c[0] != 0) {
                try (Ext4Volume ro = Images.open(copy)) {
                    assertThat(Files.readString(ro.fileSystem().getPath("/etc/hostname"))).isEqualTo("old\n");
                }
            }
        }
    }

    @Test
    void recordedErrorsAndTheOrphanFileRefuseWriting() throws IOException {
        ReferenceTools.require("mkfs.ext4");
        Path img = image("errors", List.of());
        patchSuperblock(img, sb -> sb.setState(sb.state() | Superblock.STATE_ERROR));
        String before = sha(img);
        assertThatThrownBy(() -> writable(img).close()).isInstanceOf(ImageException.class)
                .hasMessageContaining("records errors");
        assertThat(sha(img)).isEqualTo(before);
        try (Ext4Volume vol = Ext4Volume.openOwning(RawFileDevice.open(img, true),
                Ext4Options.builder().writable(true).ignoreRecordedErrors(true).build())) {
            vol.resetMountState();
        }
        assertThat(ReferenceTools.runOk("dumpe2fs", "-h", img.toString()).stdout()).contains("Filesystem state:         clean");
        writable(img).close();

        patchSuperblock(img, sb -> sb.setFeatureRoCompat(sb.featureRoCompat() | 0x10000)); // orphan_present
        String before2 = sha(img);
        assertThatThrownBy(() -> writable(img).close()).isInstanceOf(UnsupportedFeatureException.class)
                .hasMessageContaining("orphan");
        assertThat(sha(img)).isEqualTo(before2);
    }

    @Test
    void readOnlyDeviceAndPoliciesAreRefused() throws IOException {
        ReferenceTools.require("mkfs.ext4");
        Path img = image("ro", List.of());
        assertThatThrownBy(() -> Ext4Volume.openOwning(RawFileDevice.open(img, false),
                Ext4Options.builder().writable(true).build())).isInstanceOf(ImageException.class)
                .hasMessageContaining("read-only");
        assertThatThrownBy(() -> Ext4Options.builder().writable(true).checksums(ChecksumPolicy.REPORT).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ext4Options.builder().writable(true).journal(JournalPolicy.IGNORE).build())
                .isInstanceOf(IllegalArgumentException.class);
        try (Ext4Volume ro = Images.open(img); FileSystem fs = ro.fileSystem()) {
            assertThatThrownBy(() -> Files.writeString(fs.getPath("/x"), "y"))
                    .isInstanceOf(java.nio.file.ReadOnlyFileSystemException.class);
            assertThatThrownBy(ro::flush).isInstanceOf(ImageException.class);
        }
    }

    /** Flips one byte inside a block of the image (breaking its checksum). */
    private static void corrupt(Path img, long offset) throws IOException {
        try (RawFileDevice d = RawFileDevice.open(img, true)) {
            byte[] b = d.readBytes(offset, 1);
            b[0] ^= 0x5A;
            d.write(ByteBuffer.wrap(b), offset);
        }
    }

    @Test
    void checksumMismatchesInWhatAChangeTouchesRefuseIt() throws IOException {
        ReferenceTools.require("mkfs.ext4");
        Path img = image("csum", List.of());
        long etcBlock;
        long fileInodeOff;
        int bs;
        try (Ext4Volume vol = Images.open(img); FileSystem fs = vol.fileSystem()) {
            bs = vol.superblock().blockSize();
            etcBlock = vol.engine().fs.inodeOffset(inode(fs, "/etc")) / bs; // placeholder, replaced below
            long etcIno = inode(fs, "/etc");
            etcBlock = new io.imgtool.ext4.internal.FileData(vol.engine().fs, etcIno, vol.engine().fs.inode(etcIno))
                    .map().find(0).physical();
            fileInodeOff = vol.engine().fs.inodeOffset(inode(fs, "/file"));
        }
        // A damaged directory block: adding an entry there is refused, nothing is written.
        corrupt(img, etcBlock * bs + 30);
        String before = sha(img);
        try (Ext4Volume vol = writable(img); FileSystem fs = vol.fileSystem()) {
            assertThatThrownBy(() -> Files.writeString(fs.getPath("/etc/new"), "n"))
                    .isInstanceOf(ImageFormatException.class).hasMessageContaining("checksum");
            Files.writeString(fs.getPath("/elsewhere"), "fine");
            assertThat(Files.exists(fs.getPath("/etc/new"))).isFalse();
        }
        assertThat(sha(img)).isNotEqualTo(before); // the unrelated file was written
        corrupt(img, etcBlock * bs + 30);           // repair the directory block
        assertThat(Fsck.problems(img)).isNull();

        // A damaged inode: chmod is refused, and the image stays byte for byte.
        corrupt(img, fileInodeOff + 0x10);
        String before2 = sha(img);
        try (Ext4Volume vol = writable(img); FileSystem fs = vol.fileSystem()) {
            assertThatThrownBy(() -> Files.setPosixFilePermissions(fs.getPath("/file"),
                    PosixFilePermissions.fromString("rwx------"))).isInstanceOf(ImageFormatException.class);
            assertThatThrownBy(() -> Files.delete(fs.getPath("/file"))).isInstanceOf(ImageFormatException.class);
        }
        assertThat(sha(img)).isEqualTo(before2);
    }

    private static long inode(FileSystem fs, String p) throws IOException {
        return Files.readAttributes(fs.getPath(p), Ext4FileAttributes.class).inode();
    }

    @Test
    void journalNeedingRecoveryIsRefusedOrReplayedForReal() throws IOException {
        ReferenceTools.require("debugfs");
        Path img = image("journal", List.of("-b", "4096"));
        long block;
        try (Ext4Volume vol = Images.open(img); FileSystem fs = vol.fileSystem()) {
            long ino = inode(fs, "/etc/hostname");
            block = new io.imgtool.ext4.internal.FileData(vol.engine().fs, ino, vol.engine().fs.inode(ino))
                    .map().find(0).physical();
        }
        Path content = img.resolveSibling("newblock");
        byte[] nb = new byte[4096];
        byte[] text = "new\n".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(text, 0, nb, 0, text.length);
        Files.write(content, nb);
        Debugfs.run(img, List.of("jo -c", "jw -b " + block + " " + content, "jc"), true);
        assertThat(ReferenceTools.runOk("dumpe2fs", "-h", img.toString()).stdout()).contains("needs_recovery");
        String before = sha(img);
        assertThatThrownBy(() -> Ext4Volume.openOwning(RawFileDevice.open(img, true),
                Ext4Options.builder().writable(true).journal(JournalPolicy.REFUSE).build()))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("needs_recovery");
        assertThat(sha(img)).isEqualTo(before);
        try (Ext4Volume vol = writable(img); FileSystem fs = vol.fileSystem()) {
            assertThat(vol.journalReplay()).isPresent();
            assertThat(Files.readString(fs.getPath("/etc/hostname"))).isEqualTo("old\n".replace("old", "new"));
            Files.writeString(fs.getPath("/etc/after"), "written after the replay\n");
        }
        String h = ReferenceTools.runOk("dumpe2fs", "-h", img.toString()).stdout();
        assertThat(h).doesNotContain("needs_recovery");
        assertThat(h).contains("Journal features:         journal_64bit journal_checksum_v3");
        assertThat(Fsck.problems(img)).isNull();
        try (Ext4Volume vol = Images.open(img); FileSystem fs = vol.fileSystem()) {
            assertThat(vol.journalReplay()).isEmpty();
            assertThat(Files.readString(fs.getPath("/etc/hostname"))).isEqualTo("new\n");
            assertThat(Files.readString(fs.getPath("/etc/after"))).isEqualTo("written after the replay\n");
        }
    }
}
