package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.RawFileDevice;
import io.imgtool.testdata.FaultInjectingDevice;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.Scratch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Crash behaviour without a journal (ext2): the device fails after each write of a session. The
 * guarantee: {@code e2fsck -fn} reports only what {@link #REPAIRABLE} lists (leaked blocks and
 * inodes, free counts, link counts, new inodes and directories not yet linked in), {@code e2fsck -fy}
 * repairs it (new inodes and directories not yet linked in go to lost+found), and afterwards
 * everything the operations since the last completed flush did not touch is unchanged, and every
 * name existed at some point since then. What those operations changed may be half done: without a
 * journal a file whose content or size changed in the interrupted commit can show part of the
 * change (as with the kernel's ext2). Each operation on names is committed alone, data and
 * attribute changes in between as one group written in dependency order.
 */
class Ext2CrashTest {

    /** e2fsck messages that mean leaked space or counts: repaired without losing a file. */
    static final List<Pattern> REPAIRABLE = List.of(
            Pattern.compile("^Pass \\d[A-Z]?: .*"),
            Pattern.compile("^e2fsck .*"),
            Pattern.compile("^Block bitmap differences: .*"),
            Pattern.compile("^Inode bitmap differences: .*"),
            Pattern.compile("^Fix\\? no"),
            Pattern.compile("^Free blocks count wrong .*"),
            Pattern.compile("^Free inodes count wrong .*"),
            Pattern.compile("^Directories count wrong .*"),
            Pattern.compile("^Inode \\d+ ref count is \\d+, should be \\d+\\.  Fix\\? no"),
            Pattern.compile("^Unattached inode \\d+"),
            Pattern.compile("^Unconnected directory inode \\d+ \\(was in .*\\)"),
            Pattern.compile("^'\\.\\.' in .* \\(\\d+\\) is .* \\(\\d+\\), should be .* \\(\\d+\\)\\."),
            Pattern.compile("^Unattached zero-length inode \\d+\\.  Clear\\? no"),
            Pattern.compile("^Connect to /lost\\+found\\? no"),
            Pattern.compile("^Inode \\d+, i_blocks is \\d+, should be \\d+\\.  Fix\\? no"),
            Pattern.compile("^Inode \\d+, i_size is \\d+, should be \\d+\\.  Fix\\? no"),
            Pattern.compile("^Padding at end of .*"),
            Pattern.compile("^\\S+: \\*+ WARNING: Filesystem still has errors \\*+"),
            Pattern.compile("^\\S+: \\d+/\\d+ files .*"),
            Pattern.compile("^\\s*$"));

    private static int session(RawFileDevice raw, long failAfter, long seed, int ops, int every) {
        int flushes = 0;
        RandomOps gen = new RandomOps(seed, 200);
        try (Ext4Volume vol = Ext4Volume.openOwning(new FaultInjectingDevice(raw, failAfter),
                Ext4Options.builder().writable(true).randomSeed(seed).build())) {
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

    @ParameterizedTest(name = "{0} samples")
    @ValueSource(ints = {25})
    void interruptedCommitsLoseNoFile(int samples) throws Exception {
        run(samples);
    }

    @ParameterizedTest(name = "{0} samples")
    @ValueSource(ints = {Integer.MAX_VALUE})
    @Tag("soak")
    void everyWritePoint(int samples) throws Exception {
        run(samples);
    }

    private void run(int samples) throws Exception {
        ReferenceTools.require("e2fsck");
        Path work = Images.scratch("ext2-crash-" + samples);
        Path base = Images.mkfs(work.resolve("base.img"), "mkfs.ext2", List.of(), null, "64M");
        long seed = 4242;
        int ops = 24;
        int every = 6;
        Path probe = work.resolve("probe.img");
        Scratch.copy(base, probe);
        FaultInjectingDevice counting = new FaultInjectingDevice(RawFileDevice.open(probe, true), -1);
        try (Ext4Volume vol = Ext4Volume.openOwning(counting, Ext4Options.builder().writable(true).randomSeed(seed).build())) {
            RandomOps gen = new RandomOps(seed, 200);
            for (int i = 0; i < ops; i++) {
                RandomOps.apply(gen.next(), vol.fileSystem().getPath("/"));
                if ((i + 1) % every == 0) {
                    vol.flush();
                }
            }
        }
        long total = counting.mutations();
        assertThat(Fsck.problems(probe)).isNull();
        List<Map<String, String>> states = CrashTestSupport.everyOp(seed, ops);
        long step = Math.max(1, total / samples);
        Path img = work.resolve("f.img");
        for (long n = 0; n < total; n += step) {
            Scratch.copy(base, img);
            int flushes = session(RawFileDevice.open(img, true), n, seed, ops, every);
            String where = "device failing after " + n + " of " + total + " writes, " + flushes + " flushes returned";
            ReferenceTools.Result check = ReferenceTools.run("e2fsck", "-fn", img.toString());
            for (String line : check.stdout().split("\n")) {
                boolean ok = REPAIRABLE.stream().anyMatch(p -> p.matcher(line).matches());
                assertThat(ok).as(where + ": e2fsck reports something beyond leaked space and counts: '" + line
                        + "'\n" + check.stdout()).isTrue();
            }
            ReferenceTools.Result fix = ReferenceTools.run("e2fsck", "-fy", img.toString());
            assertThat(fix.exit()).as(where + "\n" + fix.describe()).isLessThanOrEqualTo(1);
            assertThat(Fsck.problems(img)).as(where).isNull();
            Map<String, String> got;
            try (Ext4Volume vol = Images.open(img)) {
                got = RandomOps.snapshot(vol.fileSystem().getPath("/"));
            }
            List<Map<String, String>> window = states.subList(flushes * every,
                    Math.min(states.size(), (flushes + 1) * every + 1));
            Map<String, String> old = window.get(0);
            Map<String, String> last = window.get(window.size() - 1);
            for (Map.Entry<String, String> e : old.entrySet()) {
                if (window.stream().allMatch(w -> e.getValue().equals(w.get(e.getKey())))) {
                    assertThat(got.get(e.getKey())).as(where + ": untouched " + e.getKey()).isEqualTo(e.getValue());
                }
            }
            for (Map.Entry<String, String> e : got.entrySet()) {
                String k = e.getKey();
                String v = stripLinks(e.getValue());
                boolean named = window.stream().anyMatch(w -> w.containsKey(k) && kind(w.get(k)).equals(kind(v)));
                assertThat(named).as(where + ": name " + k + " existed at no point of the window").isTrue();
            }
            assertThat(last).isNotNull();
        }
    }

    private static String kind(String v) {
        return v.substring(0, v.indexOf(' '));
    }

    /** Hard-link groups may differ while a rename is half done; compare the rest. */
    private static String stripLinks(String v) {
        int i = v.indexOf(" links=");
        return i < 0 ? v : v.substring(0, i);
    }
}
