package io.imgtool.qcow2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.qcow2.internal.Header;
import io.imgtool.qcow2.internal.HeaderExtension;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ring 2: one field changed, a clear error of the right kind; never an OOM, a hang or a write.
 */
@Timeout(60)
class Qcow2BadInputTest {

    @TempDir
    Path dir;

    /** A small valid image with data, zero and compressed clusters. */
    private Path image(String name) throws IOException {
        Path raw = TestImages.writeRaw(dir, name + ".raw", TestImages.mixedContent(2, 1 << 20));
        Path p = dir.resolve(name);
        try (BlockDevice src = DiskImage.open(raw, false)) {
            ImageConverter.convert(src, p, ImageConverter.Options.qcow2(Qcow2Options.builder().size(0).build(), true));
        }
        return p;
    }

    private static void poke(Path p, long offset, ByteBuffer b) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.write(b, offset);
        }
    }

    private static void putLong(Path p, long offset, long v) throws IOException {
        poke(p, offset, ByteBuffer.allocate(8).putLong(0, v));
    }

    private static void putInt(Path p, long offset, int v) throws IOException {
        poke(p, offset, ByteBuffer.allocate(4).putInt(0, v));
    }

    private static String hash(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    /** Opening (read-only, then writable) and reading everything fails with {@code kind}; nothing is written. */
    private static ImageException assertFails(Path p, ImageException.Kind kind, String text) throws Exception {
        String before = hash(p);
        ImageException first = null;
        for (boolean writable : new boolean[] {false, true}) {
            try (BlockDevice d = DiskImage.open(p, writable)) {
                TestImages.readAll(d);
                throw new AssertionError("no error for " + p + " (writable " + writable + ")");
            } catch (ImageException e) {
                assertThat(e.kind()).as(e.getMessage()).isEqualTo(kind);
                assertThat(e.getMessage()).contains(text);
                first = first == null ? e : first;
            }
        }
        assertThat(hash(p)).as("file unchanged").isEqualTo(before);
        return first;
    }

    private long l1Offset(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p)) {
            ByteBuffer b = ByteBuffer.allocate(8);
            ch.read(b, 40);
            return b.getLong(0);
        }
    }

    @Test
    void truncatedHeader() throws Exception {
        Path p = image("t.qcow2");
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(50);
        }
        assertFails(p, ImageException.Kind.CORRUPT, "too short");
    }

    @Test
    void truncatedBeforeTables() throws Exception {
        Path p = image("t2.qcow2");
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(70000);
        }
        assertFails(p, ImageException.Kind.CORRUPT, "past the end of the file");
    }

    @Test
    void hugeL1Size() throws Exception {
        Path p = image("l1.qcow2");
        putInt(p, 36, -1);
        ImageException e = assertFails(p, ImageException.Kind.CORRUPT, "l1_size = 4294967295 at offset 36");
        assertThat(e.field()).isEqualTo("l1_size");
    }

    @Test
    void hugeRefcountTable() throws Exception {
        Path p = image("rt.qcow2");
        putInt(p, 56, 0x7fffffff);
        assertFails(p, ImageException.Kind.CORRUPT, "refcount_table_clusters");
    }

    @Test
    void l1TableOutsideFile() throws Exception {
        Path p = image("l1o.qcow2");
        putLong(p, 40, 1L << 40);
        assertFails(p, ImageException.Kind.CORRUPT, "runs past the end of the file");
    }

    @Test
    void l1TableInHeader() throws Exception {
        Path p = image("l1h.qcow2");
        putLong(p, 40, 0);
        assertFails(p, ImageException.Kind.CORRUPT, "points into the header");
    }

    @Test
    void l2TableOutsideFile() throws Exception {
        Path p = image("l2o.qcow2");
        putLong(p, l1Offset(p), (1L << 40) | (1L << 63));
        assertFails(p, ImageException.Kind.CORRUPT, "L2 table at 1099511627776 lies outside the file");
    }

    @Test
    void compressedDescriptorPastTheEnd() throws Exception {
        Path p = image("c.qcow2");
        long l2;
        try (FileChannel ch = FileChannel.open(p)) {
            ByteBuffer b = ByteBuffer.allocate(8);
            ch.read(b, l1Offset(p));
            l2 = b.getLong(0) & 0x00fffffffffffe00L;
            // Find a compressed entry and make it run far past the end.
            for (int i = 0; i < 16; i++) {
                ByteBuffer e = ByteBuffer.allocate(8);
                ch.read(e, l2 + i * 8L);
                long v = e.getLong(0);
                if ((v & (1L << 62)) != 0) {
                    long x = 62 - (16 - 8);
                    long bad = (1L << 62) | (0xffL << x) | (Files.size(p) - 600);
                    putLong(p, l2 + i * 8L, bad);
                    assertFails(p, ImageException.Kind.CORRUPT, "runs outside the file");
                    return;
                }
            }
        }
        throw new AssertionError("no compressed cluster in the test image");
    }

    @Test
    void unknownIncompatibleFeatureIsNamedFromTheImage() throws Exception {
        Path p = image("f.qcow2");
        // Add a name for bit 9 to the feature table, then set the bit.
        ByteBuffer first = ByteBuffer.allocate(65536);
        try (FileChannel ch = FileChannel.open(p)) {
            ch.read(first, 0);
        }
        Header h = Header.parse(first.flip(), Files.size(p));
        h.setExtension(HeaderExtension.FEATURE_NAME_TABLE, HeaderExtension.featureTable(
                List.of(new HeaderExtension.FeatureName(0, 9, "time travel"))));
        h.incompatible |= 1L << 9;
        ByteBuffer out = ByteBuffer.allocate(65536);
        h.writeTo(out);
        poke(p, 0, out);
        ImageException e = assertFails(p, ImageException.Kind.UNSUPPORTED, "time travel");
        assertThat(((UnsupportedFeatureException) e).feature()).isEqualTo("time travel");
    }

    @Test
    void encryptionAndExternalDataAreRefusedByName() throws Exception {
        Path p = image("e.qcow2");
        putInt(p, 32, 2);
        assertFails(p, ImageException.Kind.UNSUPPORTED, "luks encryption");
        putInt(p, 32, 0);
        putLong(p, 72, 1L << 2);
        assertFails(p, ImageException.Kind.UNSUPPORTED, "external data file");
    }

    @Test
    void dirtyAndCorruptImagesOpenReadOnlyOnly() throws Exception {
        Path p = image("d.qcow2");
        putLong(p, 72, Header.INCOMPAT_DIRTY);
        try (BlockDevice d = DiskImage.open(p, false)) {
            TestImages.readAll(d);
        }
        assertThatThrownBy(() -> DiskImage.open(p, true)).isInstanceOf(ImageException.class)
                .hasMessageContaining("not closed cleanly");
        putLong(p, 72, Header.INCOMPAT_CORRUPT);
        assertThatThrownBy(() -> DiskImage.open(p, true)).hasMessageContaining("marked corrupt");
    }

    @Test
    void backingLoop() throws Exception {
        TestImages.qemuImg("create", "-q", "-f", "qcow2", dir.resolve("a.qcow2").toString(), "1M");
        TestImages.qemuImg("create", "-q", "-f", "qcow2", "-b", "a.qcow2", "-F", "qcow2", dir.resolve("b.qcow2").toString());
        TestImages.qemuImg("create", "-q", "-f", "qcow2", "-b", "b.qcow2", "-F", "qcow2", "-u",
                dir.resolve("c.qcow2").toString(), "1M");
        // Make a point at c: a -> c -> b -> a.
        TestImages.qemuImg("rebase", "-u", "-b", "c.qcow2", "-F", "qcow2", dir.resolve("a.qcow2").toString());
        assertFails(dir.resolve("c.qcow2"), ImageException.Kind.CORRUPT, "backing loop");
    }

    @Test
    void deepChainIsRefused() throws Exception {
        TestImages.qemuImg("create", "-q", "-f", "qcow2", dir.resolve("l0.qcow2").toString(), "1M");
        for (int i = 1; i <= Qcow2Image.MAX_CHAIN_DEPTH + 1; i++) {
            TestImages.qemuImg("create", "-q", "-f", "qcow2", "-b", "l" + (i - 1) + ".qcow2", "-F", "qcow2", "-u",
                    dir.resolve("l" + i + ".qcow2").toString(), "1M");
        }
        assertFails(dir.resolve("l" + (Qcow2Image.MAX_CHAIN_DEPTH + 1) + ".qcow2"), ImageException.Kind.CORRUPT,
                "deeper than");
    }

    /**
     * The raw-format-probe trap: an overlay names a backing file without its format; that file is a
     * raw guest disk whose first sector a guest made look like qcow2 with a backing file of its choice
     * (a host file the user never named). imgtool refuses instead of exposing the host file.
     */
    @Test
    void rawProbeBackingTrap() throws Exception {
        Path secret = TestImages.writeRaw(dir, "host-secret.txt", "root:x:0:0:secret\n".repeat(100).getBytes());
        // The guest disk: a qcow2 header pointing at the host file, written into a raw image.
        Path fake = dir.resolve("fake.qcow2");
        TestImages.qemuImg("create", "-q", "-f", "qcow2", "-b", secret.toString(), "-F", "raw", fake.toString(), "1M");
        byte[] guestDisk = new byte[1 << 20];
        byte[] header = Files.readAllBytes(fake);
        System.arraycopy(header, 0, guestDisk, 0, Math.min(header.length, guestDisk.length));
        Path disk = TestImages.writeRaw(dir, "guest.img", guestDisk);
        // The user's overlay over the guest disk, made without -F (old qemu-img did this).
        Path overlay = dir.resolve("overlay.qcow2");
        TestImages.qemuImg("create", "-q", "-f", "qcow2", "-b", "guest.img", "-F", "raw", overlay.toString());
        // Drop the backing format extension, as an old image would not have one.
        ByteBuffer first = ByteBuffer.allocate(65536);
        try (FileChannel ch = FileChannel.open(overlay)) {
            ch.read(first, 0);
        }
        Header h = Header.parse(first.flip(), Files.size(overlay));
        h.setExtension(HeaderExtension.BACKING_FORMAT, null);
        ByteBuffer out = ByteBuffer.allocate(65536);
        h.writeTo(out);
        poke(overlay, 0, out);
        ImageException e = assertFails(overlay, ImageException.Kind.CORRUPT, "guessed from its content");
        assertThat(e.getMessage()).contains("host-secret.txt");
        // Naming the format makes it a raw disk again: the guest sees its own bytes, not the host file.
        try (BlockDevice d = DiskImage.open(overlay, DiskImage.Format.QCOW2, false)) {
            assertThat(d).isInstanceOf(Qcow2Image.class);
        } catch (ImageException expected) {
            assertThat(expected.getMessage()).contains("guessed");
        }
        TestImages.qemuImg("rebase", "-u", "-b", "guest.img", "-F", "raw", overlay.toString());
        try (BlockDevice d = DiskImage.open(overlay, false)) {
            assertThat(d.readBytes(0, 4)).isEqualTo(new byte[] {'Q', 'F', 'I', (byte) 0xfb});
        }
    }

    @Test
    void protocolBackingNamesAreRefused() throws Exception {
        Path p = dir.resolve("nbd.qcow2");
        TestImages.qemuImg("create", "-q", "-f", "qcow2", "-b", "nbd://localhost:10809/x", "-F", "raw", "-u",
                p.toString(), "1M");
        assertFails(p, ImageException.Kind.UNSUPPORTED, "backing file protocol");
    }
}
