package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.RawFileDevice;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.ext4.nio.Ext4FileAttributeView;
import io.imgtool.ext4.nio.Ext4FileAttributes;
import io.imgtool.ext4.ondisk.Checksums;
import io.imgtool.ext4.ondisk.Inode;
import io.imgtool.ext4.ondisk.Le;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.Scratch;
import io.imgtool.testdata.TreeSnapshot;
import io.imgtool.testdata.Trees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A filesystem whose journal holds committed transactions (written with debugfs' journal_write):
 * data blocks, an inode table block, a block whose first bytes are the jbd2 magic (escaped), and a
 * revoked block. Reading it with in-memory replay must equal reading the copy e2fsck -fy recovered.
 */
class JournalReplayTest {

    private static final int BS = 4096;

    @ParameterizedTest(name = "{0}, journal_open {1}")
    @CsvSource({"mkfs.ext4,jo", "mkfs.ext4,jo -c", "mkfs.ext4,jo -c -v 2", "mkfs.ext3,jo", "mkfs.ext3,jo -c -v 3"})
    void replayInMemoryEqualsE2fsckRecovery(String mkfs, String open) throws IOException {
        ReferenceTools.require("debugfs");
        ReferenceTools.require("e2fsck");
        Path work = Images.scratch("journal-" + mkfs + open.replace(' ', '_'));
        Path tree = work.resolve("tree");
        Files.createDirectories(tree);
        Files.writeString(tree.resolve("hello"), "old content\n");
        Files.writeString(tree.resolve("revoked"), "keep me\n");
        Files.writeString(tree.resolve("magic"), "before\n");
        Files.write(tree.resolve("chmod-me"), "x".repeat(5000).getBytes(StandardCharsets.US_ASCII));
        Trees.build(tree.resolve("more"), Trees.Spec.plain(7));
        Path img = Images.mkfs(work.resolve("j.img"), mkfs, List.of("-b", "4096"), tree, "64M");

        long helloBlock;
        long revokedBlock;
        long magicBlock;
        long itableBlock;
        byte[] itable;
        try (Ext4Volume vol = Images.open(img); FileSystem fs = vol.fileSystem()) {
            helloBlock = firstBlock(fs.getPath("/hello"));
            revokedBlock = firstBlock(fs.getPath("/revoked"));
            magicBlock = firstBlock(fs.getPath("/magic"));
            long ino = Files.readAttributes(fs.getPath("/chmod-me"), Ext4FileAttributes.class).inode();
            long off = vol.engine().fs.inodeOffset(ino);
            itableBlock = off / BS;
            itable = new byte[BS];
            try (RawFileDevice d = RawFileDevice.open(img, false)) {
                d.read(ByteBuffer.wrap(itable), itableBlock * BS);
            }
            // chmod 0600 and touch mtime, with a correct inode checksum: what a kernel would log.
            int within = (int) (off % BS);
            int isz = vol.superblock().inodeSize();
            byte[] raw = Arrays.copyOfRange(itable, within, within + isz);
            Le.put16(raw, 0, (Le.u16(raw, 0) & 0170000) | 0600);
            Le.put32(raw, 0x10, 1_600_000_000L);
            Inode changed = Inode.of(raw);
            Checksums.of(vol.superblock()).setInode(ino, changed);
            System.arraycopy(changed.toBytes(), 0, itable, within, isz);
        }
        Path newHello = block(work.resolve("b-hello"), "new content\n".getBytes(StandardCharsets.UTF_8));
        Path newRevoked = block(work.resolve("b-revoked"), "lost write\n".getBytes(StandardCharsets.UTF_8));
        byte[] magic = new byte[] {(byte) 0xC0, 0x3B, 0x39, (byte) 0x98, 'm', 'a', 'g', 'i', 'c', '\n'};
        Path newMagic = block(work.resolve("b-magic"), magic);
        Path itableFile = work.resolve("b-itable");
        Files.write(itableFile, itable);
        Debugfs.run(img, List.of(
                open,
                "jw -b " + helloBlock + " " + newHello,
                "jw -b " + revokedBlock + " " + newRevoked,
                "jw -b " + itableBlock + "," + magicBlock + " " + concat(work, itableFile, newMagic),
                "jw -r " + revokedBlock,
                "jc"), true);
        assertThat(ReferenceTools.runOk("dumpe2fs", "-h", img.toString()).stdout()).contains("needs_recovery");

        boolean v1Checksums = ReferenceTools.runOk("dumpe2fs", "-h", img.toString()).stdout()
                .contains("journal_checksum ");
        Path recovered = work.resolve("recovered.img");
        Scratch.copy(img, recovered);
        ReferenceTools.Result r = ReferenceTools.run("e2fsck", "-fy", recovered.toString());
        assertThat(r.exit()).as(r.describe()).isIn(0, 1);
        assertThat(r.stdout()).contains("recovering journal");

        Map<String, TreeSnapshot.Node> expected;
        try (Ext4Volume vol = Images.open(recovered); FileSystem fs = vol.fileSystem()) {
            assertThat(vol.journalReplay()).isEmpty();
            expected = snapshot(fs);
        }
        try (Ext4Volume vol = Images.open(img); FileSystem fs = vol.fileSystem()) {
            assertThat(vol.journalReplay()).isPresent();
            assertThat(vol.journalReplay().get().transactions()).isGreaterThanOrEqualTo(1);
            if (!v1Checksums) {
                assertThat(vol.journalReplay().get().tagsRevoked()).isEqualTo(1);
                assertThat(vol.problems()).isEmpty();
            }
            Map<String, TreeSnapshot.Node> actual = snapshot(fs);
            assertThat(TreeSnapshot.diff(expected, actual)).isEmpty();
            assertThat(Files.readString(fs.getPath("/hello"))).startsWith("new content\n");
            // With v1 (crc32) transaction checksums debugfs' revoke-only transaction does not verify:
            // e2fsck (and we) end the log before it, so the revoked write stays.
            assertThat(Files.readString(fs.getPath("/revoked")).trim()).isEqualTo(v1Checksums ? "lost wri" : "keep me");
            byte[] m = Files.readAllBytes(fs.getPath("/magic"));
            assertThat(Arrays.copyOf(m, 4)).isEqualTo(Arrays.copyOf(magic, 4));
            assertThat(Files.readAttributes(fs.getPath("/chmod-me"), Ext4FileAttributes.class).mode() & 07777)
                    .isEqualTo(0600);
            assertThat(vol.check().problems()).isEmpty();
        }
        // Nothing was written: the image still needs recovery.
        assertThat(ReferenceTools.runOk("dumpe2fs", "-h", img.toString()).stdout()).contains("needs_recovery");

        assertThatThrownBy(() -> Images.open(img, Ext4Options.builder().journal(JournalPolicy.REFUSE).build()))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("needs_recovery");
        try (Ext4Volume vol = Images.open(img, Ext4Options.builder().journal(JournalPolicy.IGNORE).build());
             FileSystem fs = vol.fileSystem()) {
            assertThat(Files.readString(fs.getPath("/hello"))).isEqualTo("old content\n");
            assertThat(vol.problems()).anyMatch(p -> p.kind() == Ext4Problem.Kind.JOURNAL);
        }
    }

    private static Map<String, TreeSnapshot.Node> snapshot(FileSystem fs) throws IOException {
        Map<String, TreeSnapshot.Node> s = TreeSnapshot.of(fs.getPath("/"), p -> {
            try {
                return Files.getFileAttributeView(p, io.imgtool.ext4.nio.Ext4XattrView.class, LinkOption.NOFOLLOW_LINKS)
                        .readAll();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, true);
        return s;
    }

    private static long firstBlock(Path p) throws IOException {
        return Files.getFileAttributeView(p, Ext4FileAttributeView.class).extents().get(0).physicalOffset() / BS;
    }

    private static Path block(Path file, byte[] content) throws IOException {
        byte[] b = new byte[BS];
        System.arraycopy(content, 0, b, 0, content.length);
        Files.write(file, b);
        return file;
    }

    private static Path concat(Path work, Path... parts) throws IOException {
        List<byte[]> all = new ArrayList<>();
        int n = 0;
        for (Path p : parts) {
            byte[] b = Files.readAllBytes(p);
            all.add(b);
            n += b.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] b : all) {
            System.arraycopy(b, 0, out, at, b.length);
            at += b.length;
        }
        Path f = work.resolve("b-concat");
        Files.write(f, out);
        return f;
    }
}
