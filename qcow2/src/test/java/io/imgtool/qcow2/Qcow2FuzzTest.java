package io.imgtool.qcow2;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imgtool.core.BlockDevice;
import io.imgtool.qcow2.internal.Header;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Jazzer fuzz tests of the qcow2 parsers: the header (with its extensions), and L1/L2/refcount
 * parsing through a small template image whose metadata the fuzzer patches. Only ImageException
 * (or another IOException) may come out; never a runtime exception, an OOM or a hang. Without
 * {@code -Pfuzz} the seed corpora in {@code Qcow2FuzzTestInputs/} are replayed.
 */
class Qcow2FuzzTest {

    private static byte[] template;

    /** A tiny image: 512-byte clusters, data, zero and compressed clusters; about 10 KiB. */
    private static synchronized byte[] template() throws IOException {
        if (template == null) {
            Path dir = Files.createTempDirectory("qcow2-fuzz");
            Path p = dir.resolve("t.qcow2");
            try (Qcow2Image img = Qcow2Image.create(p, Qcow2Options.builder().size(64 * 1024).clusterSize(512).build())) {
                byte[] d = TestImages.mixedContent(1, 4096);
                img.write(ByteBuffer.wrap(d), 1024);
                img.writeZeroes(8192, 2048);
                byte[] text = "compressible text ".repeat(40).getBytes();
                io.imgtool.qcow2.internal.Codec c = new io.imgtool.qcow2.internal.Codec(
                        io.imgtool.qcow2.internal.Codec.Type.DEFLATE, 6);
                byte[] out = new byte[4096];
                int n = c.compress(java.util.Arrays.copyOf(text, 512), 512, out, 512);
                if (n > 0) {
                    img.writeCompressed(40, out, n);
                }
            }
            template = Files.readAllBytes(p);
            Files.delete(p);
            Files.delete(dir);
        }
        return template;
    }

    @FuzzTest(maxDuration = "60s")
    void headerParse(FuzzedDataProvider data) {
        byte[] b = data.consumeRemainingAsBytes();
        try {
            Header h = Header.parse(ByteBuffer.wrap(b), b.length);
            ByteBuffer out = ByteBuffer.allocate(h.clusterSize());
            h.writeTo(out);
        } catch (io.imgtool.core.ImageException expected) {
            // corrupt or unsupported: reported
        }
    }

    @FuzzTest(maxDuration = "60s")
    void imageMetadata(FuzzedDataProvider data) throws IOException {
        byte[] img = template().clone();
        int patches = data.consumeInt(1, 16);
        for (int i = 0; i < patches && data.remainingBytes() > 4; i++) {
            int at = data.consumeInt(0, img.length - 8);
            if (data.consumeBoolean()) {
                long v = data.consumeLong();
                ByteBuffer.wrap(img).putLong(at & ~7, v);
            } else {
                img[at] = data.consumeByte();
            }
        }
        Path dir = Files.createTempDirectory("qcow2-fuzz");
        Path p = dir.resolve("f.qcow2");
        try {
            Files.write(p, img);
            try (BlockDevice d = DiskImage.open(p, DiskImage.Format.QCOW2, false)) {
                TestImages.readAll(d);
                d.extents(0, d.size());
                ((Qcow2Image) d).map(0, d.size());
            } catch (IOException expected) {
                // reported cleanly
            }
            try {
                Qcow2Checker.check(p);
            } catch (IOException expected) {
                // reported cleanly
            }
        } catch (UncheckedIOException e) {
            throw e;
        } finally {
            Files.deleteIfExists(p);
            Files.deleteIfExists(dir);
        }
    }
}
