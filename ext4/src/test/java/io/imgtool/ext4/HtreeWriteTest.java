package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.RawFileDevice;
import io.imgtool.testdata.ReferenceTools;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hashed directories under change: a 20,000-entry directory indexed by e2fsck -D (two levels with 1
 * KiB blocks) takes thousands of inserts (leaf and index node splits), deletions and renames; a small
 * indexed directory grows until its root is full and the tree gains a level; a new directory outgrows
 * its first block and becomes hashed. e2fsck -fn must accept every index, debugfs must list exactly
 * the expected names, and every name must be found through the index.
 */
class HtreeWriteTest {

    private static Ext4Volume writable(Path image) throws IOException {
        return Ext4Volume.openOwning(RawFileDevice.open(image, true), Ext4Options.builder().writable(true).build());
    }

    private static TreeSet<String> names(Path image, String dir) throws IOException {
        List<String> out = List.of(Debugfs.run(image, List.of("ls -p " + dir)).split("\n"));
        TreeSet<String> names = new TreeSet<>();
        for (String line : out) {
            if (!line.startsWith("/")) {
                continue;
            }
            String[] f = line.split("/", -1);
            String name = String.join("/", java.util.Arrays.copyOfRange(f, 5, f.length - 2));
            if (!name.equals(".") && !name.equals("..") && !f[1].equals("0")) {
                names.add(name);
            }
        }
        return names;
    }

    private static String htreeLevels(Path image, String dir) throws IOException {
        String dump = Debugfs.run(image, List.of("htree_dump " + dir));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Indirect levels: (\\d+)").matcher(dump);
        return m.find() ? m.group(1) : "none";
    }

    @ParameterizedTest(name = "{0}-byte blocks")
    @ValueSource(ints = {1024, 4096})
    void twentyThousandEntryDirectoryTakesInsertsDeletesAndRenames(int blockSize) throws IOException {
        ReferenceTools.require("mkfs.ext4");
        Path work = Images.scratch("htree-write-" + blockSize);
        Path image = Images.mkfs(work.resolve("big.img"), "mkfs.ext4",
                List.of("-b", String.valueOf(blockSize), "-N", "60000"), null, "200M");
        // Filling the directory with mke2fs -d takes minutes (it appends linearly); imgtool fills it,
        // then e2fsck -D builds the index the test starts from.
        Random names = new Random(blockSize + 1);
        try (Ext4Volume vol = writable(image)) {
            Path big = Files.createDirectory(vol.fileSystem().getPath("/bigdir"));
            for (int i = 0; i < 20_000; i++) {
                Files.write(big.resolve(String.format("file-%06d-%s", i, Integer.toHexString(names.nextInt()))),
                        new byte[0]);
            }
        }
        ReferenceTools.Result r = ReferenceTools.run("e2fsck", "-fyD", image.toString());
        assertThat(r.exit()).as(r.describe()).isIn(0, 1);
        assertThat(Fsck.problems(image)).isNull();
        assertThat(htreeLevels(image, "/bigdir")).isEqualTo(blockSize == 1024 ? "1" : "0");

        TreeSet<String> expected = names(image, "/bigdir");
        assertThat(expected).hasSize(20_000);
        Random rnd = new Random(blockSize);
        try (Ext4Volume vol = writable(image)) {
            FileSystem fs = vol.fileSystem();
            Path big = fs.getPath("/bigdir");
            Files.createDirectory(fs.getPath("/other"));
            for (int i = 0; i < 6000; i++) {
                String n = "new-" + i + "-" + Long.toHexString(rnd.nextLong()) + "x".repeat(rnd.nextInt(60));
                Files.write(big.resolve(n), new byte[0]);
                expected.add(n);
            }
            List<String> all = new ArrayList<>(expected);
            java.util.Collections.shuffle(all, rnd);
            for (String n : all.subList(0, 5000)) {
                Files.delete(big.resolve(n));
                expected.remove(n);
            }
            all = new ArrayList<>(expected);
            java.util.Collections.shuffle(all, rnd);
            for (int i = 0; i < 400; i++) {
                String from = all.get(i);
                String to = i % 4 == 0 ? all.get(all.size() - 1 - i) : "renamed-" + i + "-" + from;
                Files.move(big.resolve(from), big.resolve(to), StandardCopyOption.REPLACE_EXISTING);
                expected.remove(from);
                expected.add(to);
            }
            for (int i = 400; i < 600; i++) {
                String n = all.get(i);
                if (expected.contains(n)) {
                    Files.move(big.resolve(n), fs.getPath("/other", n));
                    expected.remove(n);
                }
            }
        }
        assertThat(Fsck.problems(image)).isNull();
        assertThat(names(image, "/bigdir")).isEqualTo(expected);
        try (Ext4Volume vol = Images.open(image); FileSystem fs = vol.fileSystem()) {
            for (String n : expected) {
                assertThat(Files.exists(fs.getPath("/bigdir", n), LinkOption.NOFOLLOW_LINKS)).as(n).isTrue();
            }
            assertThat(Files.exists(fs.getPath("/bigdir/no-such-name"))).isFalse();
            assertThat(vol.problems()).isEmpty();
        }
    }

    @Test
    void fullRootGainsALevel() throws IOException {
        ReferenceTools.require("mkfs.ext4");
        Path work = Images.scratch("htree-level");
        Path image = Images.mkfs(work.resolve("lvl.img"), "mkfs.ext4", List.of("-b", "1024", "-N", "30000"), null, "100M");
        try (Ext4Volume vol = writable(image)) {
            Path big = Files.createDirectory(vol.fileSystem().getPath("/bigdir"));
            for (int i = 0; i < 800; i++) {
                Files.write(big.resolve("base-" + i), new byte[0]);
            }
        }
        ReferenceTools.Result r = ReferenceTools.run("e2fsck", "-fyD", image.toString());
        assertThat(r.exit()).as(r.describe()).isIn(0, 1);
        assertThat(htreeLevels(image, "/bigdir")).isEqualTo("0");
        TreeSet<String> expected = names(image, "/bigdir");
        try (Ext4Volume vol = writable(image)) {
            Path big = vol.fileSystem().getPath("/bigdir");
            for (int i = 0; i < 12_000; i++) {
                String n = String.format("grow-%05d-%s", i, "z".repeat(i % 50));
                Files.write(big.resolve(n), new byte[0]);
                expected.add(n);
            }
        }
        assertThat(Fsck.problems(image)).isNull();
        assertThat(htreeLevels(image, "/bigdir")).isEqualTo("1");
        assertThat(names(image, "/bigdir")).isEqualTo(expected);
    }

    @Test
    void newDirectoryOutgrowsItsBlockAndBecomesHashed() throws IOException {
        ReferenceTools.require("mkfs.ext4");
        Path work = Images.scratch("htree-new");
        Path image = Images.mkfs(work.resolve("new.img"), "mkfs.ext4", List.of("-b", "1024"), null, "64M");
        TreeSet<String> expected = new TreeSet<>();
        try (Ext4Volume vol = writable(image)) {
            FileSystem fs = vol.fileSystem();
            Path d = Files.createDirectory(fs.getPath("/fresh"));
            for (int i = 0; i < 3000; i++) {
                String n = "entry-" + i;
                Files.createDirectory(d.resolve(n));
                expected.add(n);
            }
            for (int i = 0; i < 3000; i += 3) {
                Files.delete(d.resolve("entry-" + i));
                expected.remove("entry-" + i);
            }
            try (Stream<Path> s = Files.list(d)) {
                assertThat(s.count()).isEqualTo(expected.size());
            }
        }
        assertThat(Fsck.problems(image)).isNull();
        assertThat(htreeLevels(image, "/fresh")).isEqualTo("0");
        assertThat(names(image, "/fresh")).isEqualTo(expected);
        Map<Long, Debugfs.Stat> st = Debugfs.stat(image, List.of(readIno(image, "/fresh")));
        assertThat(st.values().iterator().next().links()).isEqualTo(2 + expected.size());
    }

    private static long readIno(Path image, String p) throws IOException {
        try (Ext4Volume vol = Images.open(image); FileSystem fs = vol.fileSystem()) {
            return (Long) Files.getAttribute(fs.getPath(p), "unix:ino");
        }
    }
}
