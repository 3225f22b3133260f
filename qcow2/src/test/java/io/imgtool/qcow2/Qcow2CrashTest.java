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
            // Kill during the convert on some rounds, during the random writes on others.
            long delay = 300 + r.nextInt(round % 2 == 0 ? 2500 : 1500);
            p.waitFor(delay, TimeUnit.MILLISECONDS);
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            if (!Files.exists(out)) {
                continue; // killed before the image existed (it is created atomically)
            }
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
}
