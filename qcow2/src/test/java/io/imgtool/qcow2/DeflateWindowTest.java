package io.imgtool.qcow2;

import static org.assertj.core.api.Assertions.assertThat;

import com.jcraft.jzlib.JZlib;
import io.imgtool.core.BlockDevice;
import io.imgtool.qcow2.internal.Codec;
import io.imgtool.testdata.ReferenceTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deflate window question (see {@link Codec}): java.util.zip.Deflater's streams use back-references
 * beyond 4 KiB — a decoder that honours QEMU's declared 4 KiB window (jzlib, window bits -12) rejects
 * some of them — and qemu-img still reads every one correctly, because QEMU inflates a cluster in a
 * single call into one buffer.
 */
class DeflateWindowTest {

    @TempDir
    Path dir;

    /** Text whose repeats lie far apart: a 6 KiB paragraph pool sampled at random. */
    private static byte[] farRepeats(int size, long seed) {
        Random r = new Random(seed);
        byte[] pool = new byte[6 * 1024];
        String words = "cluster refcount table snapshot backing overlay subcluster compressed deflate window ";
        for (int i = 0; i < pool.length; i++) {
            pool[i] = (byte) words.charAt((i * 13 + r.nextInt(5)) % words.length());
        }
        byte[] b = new byte[size];
        for (int i = 0; i < size; i += 512) {
            System.arraycopy(pool, r.nextInt(pool.length - 512) & ~63, b, i, Math.min(512, size - i));
        }
        return b;
    }

    @Test
    void longDistancesExistAndQemuReadsThem() throws Exception {
        int cs = 65536;
        byte[] content = farRepeats(64 * cs, 1);
        Codec codec = new Codec(Codec.Type.DEFLATE, ImageConverter.DEFAULT_DEFLATE_LEVEL);
        byte[] out = new byte[Codec.maxCompressedLength(cs)];
        int strictFailures = 0;
        for (int c = 0; c < 64; c++) {
            byte[] in = Arrays.copyOfRange(content, c * cs, (c + 1) * cs);
            int n = codec.compress(in, cs, out, cs - 512);
            assertThat(n).as("text compresses").isPositive();
            // Our own (single-call) inflate reads it.
            byte[] back = new byte[cs];
            codec.decompress(Arrays.copyOf(out, n + 1), n, back, 0);
            assertThat(back).isEqualTo(in);
            // A decoder that keeps only a 4 KiB window.
            com.jcraft.jzlib.Inflater strict = new com.jcraft.jzlib.Inflater(-12);
            byte[] s = new byte[cs];
            strict.setInput(out, 0, n, false);
            strict.setOutput(s, 0, cs);
            int rc = strict.inflate(JZlib.Z_FINISH);
            if (rc != JZlib.Z_STREAM_END || !Arrays.equals(s, in)) {
                strictFailures++;
            }
        }
        assertThat(strictFailures).as("clusters a strict 4 KiB-window decoder cannot read").isPositive();

        // qemu-img reads all of them: check and compare an image made of exactly these clusters.
        Path raw = TestImages.writeRaw(dir, "text.raw", content);
        Path img = dir.resolve("text.qcow2");
        try (BlockDevice src = DiskImage.open(raw, false)) {
            ImageConverter.Result r = ImageConverter.convert(src, img,
                    ImageConverter.Options.qcow2(Qcow2Options.builder().size(0).build(), true));
            assertThat(r.compressedClusters()).isEqualTo(64);
        }
        TestImages.assertQemuCheckClean(img);
        ReferenceTools.runOk("qemu-img", "compare", "-f", "raw", "-F", "qcow2", raw.toString(), img.toString());
        TestImages.assertSame(TestImages.qemuRaw(img), content, "qemu's view");
        System.err.println("DeflateWindowTest: " + strictFailures + " of 64 clusters need a window over 4 KiB; "
                + "qemu-img reads all 64 (" + new String(content, 0, 24, StandardCharsets.US_ASCII) + "...)");
    }
}
