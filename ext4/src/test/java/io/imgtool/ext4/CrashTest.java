package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.RawFileDevice;
import io.imgtool.testdata.FaultInjectingDevice;
import io.imgtool.testdata.JavaChild;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.Scratch;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Crash safety. A child JVM writing random operations (flushing every few) is killed with SIGKILL at
 * random moments; after the journal is replayed ({@code e2fsck -E journal_only}) {@code e2fsck -fn}
 * finds nothing, and the tree equals the model state after the last flush that returned, or after
 * the one that was running when the process died. The same holds when the device fails after each
 * single write of a whole session ({@link FaultInjectingDevice}): every point of every commit.
 */
class CrashTest {

    static final String[][] LAYOUTS = {
        {"mkfs.ext4"},
        {"mkfs.ext4", "-b", "1024", "-O", "^metadata_csum"},
        {"mkfs.ext3"},
    };

    private static Path mkfs(Path work, String name, int layout) throws IOException {
        String[] l = LAYOUTS[layout];
        return Images.mkfs(work.resolve(name), l[0], List.of(l).subList(1, l.length), null, "64M");
    }

    private static List<Map<String, String>> modelStates(long seed, int every, int commits) throws IOException {
        return CrashTestSupport.modelStates(seed, every, commits);
    }

    /** Replays the journal on a copy and snapshots the tree there. */
    private static Map<String, String> replayedTree(Path image) throws IOException {
        Path copy = image.resolveSibling(image.getFileName() + ".replayed");
        Scratch.copy(image, copy);
        try {
            ReferenceTools.Result j = ReferenceTools.run("e2fsck", "-E", "journal_only", "-y", copy.toString());
            assertThat(j.exit()).as(j.describe()).isLessThanOrEqualTo(1);
            try (Ext4Volume vol = Images.open(copy)) {
                return RandomOps.snapshot(vol.fileSystem().getPath("/"));
            }
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    private static void assertOldOrNew(Path image, List<Map<String, String>> states, int committed, String where)
            throws IOException {
        Map<String, String> got = replayedTree(image);
        boolean old = got.equals(states.get(committed));
        boolean neu = committed + 1 < states.size() && got.equals(states.get(committed + 1));
        assertThat(old || neu).as(where + ": the tree is neither the state after commit " + committed
                + " nor after the next one").isTrue();
    }

    @ParameterizedTest(name = "layout {0}")
    @ValueSource(ints = {0, 1, 2})
    void killedChildLeavesACleanFilesystemInTheOldOrNewState(int layout) throws Exception {
        killRuns(layout, 4, 31L * layout + 7);
    }

    @ParameterizedTest(name = "layout {0}")
    @ValueSource(ints = {0, 1, 2})
    @Tag("soak")
    void manyKills(int layout) throws Exception {
        killRuns(layout, 40, 1000L + layout);
    }

    private void killRuns(int layout, int runs, long seed0) throws Exception {
        ReferenceTools.require("e2fsck");
        Path work = Images.scratch("crash-" + layout);
        Random rnd = new Random(seed0);
        for (int run = 0; run < runs; run++) {
            long seed = rnd.nextLong();
            int every = 1 + rnd.nextInt(4);
            int target = 1 + rnd.nextInt(25);
            Path image = mkfs(work, "c.img", layout);
            Process p = JavaChild.start(CrashChild.class, image.toString(), Long.toString(seed), Integer.toString(every));
            AtomicInteger committed = new AtomicInteger();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null) {
                committed.set(Integer.parseInt(line.substring("committed ".length())));
                if (committed.get() >= target) {
                    break;
                }
            }
            Thread.sleep(rnd.nextInt(40));
            p.toHandle().destroyForcibly(); // SIGKILL; unlike Process.destroyForcibly it leaves the pipe readable
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            while ((line = out.readLine()) != null) {
                committed.set(Integer.parseInt(line.substring("committed ".length())));
            }
            String where = "layout " + layout + ", run " + run + ", seed " + seed + ", every " + every
                    + ", committed " + committed.get();
            assertThat(committed.get()).as(where + ": the child made progress").isGreaterThan(0);
            assertThat(Fsck.afterReplay(image)).as(where).isNull();
            assertOldOrNew(image, modelStates(seed, every, committed.get() + 1), committed.get(), where);
        }
    }

    /** A session: open, operations with a flush every {@code every}, close; returns flushes completed. */
    private static int session(BlockDevice dev, long seed, int ops, int every) {
        int flushes = 0;
        RandomOps gen = new RandomOps(seed, 200);
        try (Ext4Volume vol = Ext4Volume.openOwning(dev, Ext4Options.builder().writable(true).randomSeed(seed).build())) {
            Path root = vol.fileSystem().getPath("/");
            for (int i = 0; i < ops; i++) {
                RandomOps.apply(gen.next(), root);
                if ((i + 1) % every == 0) {
                    vol.flush();
                    flushes++;
                }
            }
        } catch (IOException | RuntimeException e) {
            return flushes;
        }
        return flushes;
    }

    @ParameterizedTest(name = "layout {0}")
    @ValueSource(ints = {0, 1, 2})
    void deviceFailingAfterWritesLeavesACleanFilesystem(int layout) throws Exception {
        faults(layout, 20);
    }

    @ParameterizedTest(name = "layout {0}")
    @ValueSource(ints = {0, 1, 2})
    @Tag("soak")
    void deviceFailingAfterEverySingleWrite(int layout) throws Exception {
        faults(layout, Integer.MAX_VALUE);
    }

    private void faults(int layout, int samples) throws Exception {
        ReferenceTools.require("e2fsck");
        Path work = Images.scratch("fault-" + layout);
        Path base = mkfs(work, "base.img", layout);
        long seed = 99 + layout;
        int ops = 24;
        int every = 6;
        Path probe = work.resolve("probe.img");
        Scratch.copy(base, probe);
        FaultInjectingDevice counting = new FaultInjectingDevice(RawFileDevice.open(probe, true), -1);
        assertThat(session(counting, seed, ops, every)).isEqualTo(ops / every);
        long total = counting.mutations();
        List<Map<String, String>> states = modelStates(seed, every, ops / every);
        assertThat(replayedTree(probe)).isEqualTo(states.get(ops / every));
        long step = Math.max(1, total / samples);
        Path img = work.resolve("f.img");
        for (long n = 0; n < total; n += step) {
            Scratch.copy(base, img);
            int flushes = session(new FaultInjectingDevice(RawFileDevice.open(img, true), n), seed, ops, every);
            String where = "layout " + layout + ": device failing after " + n + " of " + total + " writes, "
                    + flushes + " flushes returned";
            assertThat(Fsck.afterReplay(img)).as(where).isNull();
            assertOldOrNew(img, states, flushes, where);
        }
    }
}
