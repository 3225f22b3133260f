package io.imgtool.sysprep.seal;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.sysprep.inspect.TestImages;
import io.imgtool.sysprep.sample.UsedGuestTree;
import io.imgtool.testdata.JavaChild;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.Scratch;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sealing killed with SIGKILL at random moments (a child JVM, {@link SealChild}): in place, every
 * ext4 filesystem of the multi-partition GPT image passes {@code e2fsck -fn} once its journal is
 * replayed, the table passes {@code sgdisk -v}, and sealing again completes to a clean image; into
 * a new file, the input stays byte-identical and the output name holds either nothing or a
 * complete image.
 */
class SealCrashTest {

    /** First sectors of the three ext4 filesystems of {@link TestImages#gptMulti}. */
    static final long[] EXT4_SECTORS = {69632, 200704, 299008};

    @TempDir
    static Path dir;
    static Path pristine;

    @BeforeAll
    static void image() throws Exception {
        ReferenceTools.requireAll("sgdisk", "mkfs.ext4", "mkfs.vfat", "mkswap", "e2fsck", "qemu-img");
        pristine = TestImages.gptMulti(Files.createDirectories(dir.resolve("src")), UsedGuestTree.debian());
    }

    @Test
    void killedInPlaceLeavesConsistentFilesystemsAndARerunFinishes() throws Exception {
        Random rnd = new Random(20261123);
        int killedMidway = 0;
        for (int run = 0; run < 6; run++) {
            Path img = dir.resolve("in-place-" + run + ".img");
            Scratch.copy(pristine, img);
            // Mostly while the operations write (after "N operations on ..."), sometimes while inspecting.
            Kill k = killAtRandom(rnd, img.toString(), "in-place", run % 3 == 0 ? 0 : 1);
            String where = "run " + run + ": " + k;
            System.out.println("in-place seal killed: " + where);
            if (!k.finished()) {
                killedMidway++;
            }
            for (long sector : EXT4_SECTORS) {
                String fs = img + "?offset=" + sector * 512;
                ReferenceTools.run("e2fsck", "-E", "journal_only", "-y", fs);
                ReferenceTools.Result r = ReferenceTools.run("e2fsck", "-fn", fs);
                assertThat(r.exit()).as(where + ", ext4 at sector " + sector + "\n" + r.stdout()).isZero();
            }
            assertThat(ReferenceTools.runOk("sgdisk", "-v", img.toString()).stdout()).as(where).contains("No problems found");
            Sealer.builder().input(img).inPlace(true).checksums().build().seal();
            for (long sector : EXT4_SECTORS) {
                ReferenceTools.runOk("e2fsck", "-fn", img + "?offset=" + sector * 512);
            }
            Files.delete(img);
        }
        assertThat(killedMidway).as("runs killed before the seal finished").isGreaterThanOrEqualTo(3);
    }

    @Test
    void killedWritingANewImageLeavesTheInputAndNoPartialOutput() throws Exception {
        Random rnd = new Random(7);
        String before = SealerOutputTest.sha256(pristine);
        long leftBehind = 0;
        for (int run = 0; run < 4; run++) {
            Path outDir = Files.createDirectories(dir.resolve("out-" + run));
            Path out = outDir.resolve("golden.qcow2");
            Kill k = killAtRandom(rnd, pristine.toString(), out.toString(), run % 2 == 0 ? 2 : rnd.nextInt(2));
            System.out.println("seal -o killed: run " + run + ": " + k);
            assertThat(SealerOutputTest.sha256(pristine)).as("run " + run + ": " + k).isEqualTo(before);
            if (Files.exists(out)) {
                ReferenceTools.runOk("qemu-img", "check", out.toString());
            }
            long left;
            try (Stream<Path> s = Files.list(outDir)) {
                List<String> names = s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("golden.qcow2")).toList();
                assertThat(names).as("run " + run + ": " + k + ": only temporary names besides the output").allMatch(
                        n -> n.startsWith("."));
                // A run killed after it removed its folder (but before saying "done") leaves none. A
                // folder with a lock file is one the next seal can tell is stale; one without (killed
                // in the instant between making the folder and its lock, or between removing the
                // lock and the folder) it leaves alone, and it holds nothing but an empty .lock.new.
                left = names.stream().filter(n -> n.startsWith(SealPipeline.WORK_PREFIX))
                        .filter(n -> Files.exists(outDir.resolve(n).resolve(".lock"))).count();
                leftBehind += left;
            }
            // The next seal into that directory removes what the killed one left, and its own folder.
            List<String> said = new ArrayList<>();
            Sealer.builder().input(pristine).output(outDir.resolve("again.qcow2")).checksums().progress(said::add).build().seal();
            try (Stream<Path> s = Files.list(outDir)) {
                for (Path folder : s.filter(p -> p.getFileName().toString().startsWith(SealPipeline.WORK_PREFIX)).toList()) {
                    try (Stream<Path> inside = Files.list(folder)) {
                        assertThat(inside.map(p -> p.getFileName().toString()))
                                .as("run " + run + ": a work folder left after a seal that finished: " + folder)
                                .allMatch(".lock.new"::equals);
                    }
                }
            }
            assertThat(said.stream().filter(m -> m.contains("work folder of an interrupted seal")).count())
                    .as("run " + run + ": one removal reported per folder left behind").isEqualTo(left);
        }
        assertThat(leftBehind).as("runs killed with their work folder in place").isPositive();
    }

    record Kill(List<String> progress, int delayMs, boolean finished) {
    }

    /** Starts the child, kills it 0-250 ms after its progress message number {@code afterMessage}, and reports what it had said. */
    private static Kill killAtRandom(Random rnd, String input, String mode, int afterMessage) throws Exception {
        int delay = rnd.nextInt(250);
        Process p = JavaChild.start(SealChild.class, input, mode);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        List<String> said = new ArrayList<>();
        String line;
        while (said.size() <= afterMessage && (line = out.readLine()) != null) {
            said.add(line);
        }
        Thread.sleep(delay);
        p.toHandle().destroyForcibly();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        while ((line = out.readLine()) != null) {
            said.add(line);
        }
        return new Kill(said, delay, said.contains("done"));
    }
}
