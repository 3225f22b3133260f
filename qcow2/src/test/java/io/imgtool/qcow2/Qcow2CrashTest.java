package io.imgtool.qcow2;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.testdata.JavaChild;
import io.imgtool.testdata.ReferenceTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child process converting and then writing is killed (SIGKILL) at random moments; afterwards
 * {@code qemu-img check} may report leaked clusters but never a corruption, and the image opens.
 * A conversion killed before it finished leaves no image at all (or, killed right after the
 * rename, a complete one), and converting again to the same name works.
 */
class Qcow2CrashTest {

    @TempDir
    Path dir;

    @Test
    void killedWriterNeverLeavesCorruption() throws Exception {
        ReferenceTools.require("qemu-img");
        Path raw = TestImages.writeRaw(dir, "src.raw", TestImages.mixedContent(21, 24 << 20));
        Random r = new Random(2024);
        int checked = 0;
        for (int round = 0; round < 8; round++) {
            Path out = dir.resolve("crash" + round + ".qcow2");
            boolean compress = round % 2 == 0;
            int cluster = round % 4 < 2 ? 65536 : 4096;
            Process p = JavaChild.start(CrashChild.class, raw.toString(), out.toString(), Boolean.toString(compress),
                    Long.toString(round), Integer.toString(cluster));
            java.util.concurrent.atomic.AtomicBoolean converted = new java.util.concurrent.atomic.AtomicBoolean();
            Thread watcher = watch(p, converted);
            // Kill during the convert on some rounds, during the random writes on others.
            long delay = 300 + r.nextInt(round % 2 == 0 ? 2500 : 1500);
            p.waitFor(delay, TimeUnit.MILLISECONDS);
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            watcher.join(10_000);
            if (!converted.get()) {
                if (Files.exists(out)) {
                    // Killed between the rename and the message: the image must be whole.
                    ReferenceTools.runOk("qemu-img", "compare", "-f", "raw", "-F", "qcow2", raw.toString(),
                            out.toString());
                    TestImages.assertQemuCheckClean(out);
                } else {
                    // Nothing under the name; a new conversion reuses whatever temporary file was left.
                    try (io.imgtool.core.BlockDevice src = DiskImage.open(raw, false)) {
                        ImageConverter.convert(src, out, ImageConverter.Options.qcow2(
                                Qcow2Options.builder().size(0).clusterSize(cluster).build(), compress));
                    }
                    TestImages.assertQemuCheckClean(out);
                    assertThat(dir.resolve("." + out.getFileName() + ".imgtool-new")).doesNotExist();
                }
                continue;
            }
            assertThat(out).exists();
            ReferenceTools.Result res = ReferenceTools.run("qemu-img", "check", "--output=json", out.toString());
            assertThat(res.exit()).as("qemu-img check after kill %d ms (round %d): %s", delay, round, res.describe())
                    .isIn(0, 3); // 0 clean, 3 leaks only; 2 would be corruption
            assertThat(res.stdout()).doesNotContain("\"corruptions\"");
            Qcow2Checker.Result ours = Qcow2Checker.check(out);
            assertThat(ours.corruptions()).as(ours.messages().toString()).isZero();
            try (Qcow2Image img = Qcow2Image.open(out, false)) {
                TestImages.readAll(img);
            }
            // Leaks are repairable and the result passes qemu-img check.
            Qcow2Checker.check(out, Qcow2Checker.Repair.LEAKS);
            TestImages.assertQemuCheckClean(out);
            checked++;
        }
        assertThat(checked).as("rounds that left an image to check").isGreaterThanOrEqualTo(4);
    }

    @Test
    void killedConversionLeavesNoImage() throws Exception {
        ReferenceTools.require("qemu-img");
        Path raw = TestImages.writeRaw(dir, "big.raw", TestImages.mixedContent(5, 48 << 20));
        Random r = new Random(77);
        int killedInside = 0;
        for (int round = 0; round < 4; round++) {
            Path out = dir.resolve("killed" + round + ".qcow2");
            Path tmp = dir.resolve(".killed" + round + ".qcow2.imgtool-new");
            boolean compress = round % 2 == 1;
            Process p = JavaChild.start(CrashChild.class, raw.toString(), out.toString(), Boolean.toString(compress),
                    Long.toString(round), "65536");
            java.util.concurrent.atomic.AtomicBoolean converted = new java.util.concurrent.atomic.AtomicBoolean();
            Thread watcher = watch(p, converted);
            // Kill once the output under its temporary name has grown past a random size: mid-conversion.
            long killAt = (1L << 20) + r.nextInt(8 << 20);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (p.isAlive() && System.nanoTime() < deadline && !converted.get()
                    && sizeOrZero(tmp) <= killAt) {
                Thread.sleep(2);
            }
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            watcher.join(10_000);
            if (converted.get()) {
                continue;
            }
            killedInside++;
            if (Files.exists(out)) { // killed between the rename and the message: whole
                ReferenceTools.runOk("qemu-img", "compare", "-f", "raw", "-F", "qcow2", raw.toString(), out.toString());
                continue;
            }
            try (io.imgtool.core.BlockDevice src = DiskImage.open(raw, false)) {
                ImageConverter.convert(src, out, ImageConverter.Options.qcow2(
                        Qcow2Options.builder().size(0).build(), false));
            }
            TestImages.assertQemuCheckClean(out);
            assertThat(dir.resolve("." + out.getFileName() + ".imgtool-new")).doesNotExist();
        }
        assertThat(killedInside).as("rounds killed while converting").isGreaterThanOrEqualTo(2);
    }

    private static long sizeOrZero(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException gone) {
            return 0; // not there yet, or renamed away just now
        }
    }

    private static Thread watch(Process p, java.util.concurrent.atomic.AtomicBoolean converted) {
        Thread watcher = new Thread(() -> {
            try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.contains("converted")) {
                        converted.set(true);
                    }
                }
            } catch (java.io.IOException closed) {
                // the child was killed
            }
        });
        watcher.start();
        return watcher;
    }
}
