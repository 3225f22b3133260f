package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.ext4.internal.DxHash;
import io.imgtool.ext4.nio.Ext4FileAttributes;
import io.imgtool.ext4.ondisk.DxRootInfo;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.Scratch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hashed directories: a 20,000-entry directory indexed by e2fsck -D with every hash algorithm in its
 * signed and unsigned variant; every name is found through the index (few block reads per lookup)
 * and the hashes equal debugfs' dx_hash.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HtreeTest {

    private static final int ENTRIES = 20_000;
    private Path work;
    private Path tree;
    private Path base;
    private final List<String> names = new ArrayList<>();

    @BeforeAll
    void buildTree() throws IOException {
        ReferenceTools.require("mkfs.ext4");
        ReferenceTools.require("e2fsck");
        ReferenceTools.require("tune2fs");
        work = Images.scratch("htree");
        tree = work.resolve("tree");
        Path big = Files.createDirectories(tree.resolve("big"));
        for (int i = 0; i < ENTRIES; i++) {
            // Bytes above 0x7f make the signed and unsigned hash variants differ.
            String n = String.format("entry-%05d-%s", i, i % 3 == 0 ? "ä€ø" : i % 3 == 1 ? "plain" : "ÿx" + i % 97);
            names.add(n);
            Files.createFile(big.resolve(n));
        }
        // mke2fs -d adds entries to a linear directory one by one (quadratic): build the image once.
        base = Images.mkfs(work.resolve("base.img"), "mkfs.ext4", List.of("-b", "1024", "-N", "30000"), tree, "256M");
    }

    static Stream<Arguments> variants() {
        List<Arguments> out = new ArrayList<>();
        for (String alg : List.of("legacy", "half_md4", "tea")) {
            for (boolean unsigned : List.of(false, true)) {
                out.add(Arguments.of(alg, unsigned, "1024"));
            }
        }
        return out.stream();
    }

    private Path indexedImage(String alg, boolean unsigned, String blockSize) throws IOException {
        Path img = work.resolve("htree-" + alg + (unsigned ? "-u" : "-s") + "-" + blockSize + ".img");
        copy(base, img);
        ReferenceTools.runOk("tune2fs", "-E", "hash_alg=" + alg, img.toString());
        Debugfs.run(img, List.of("ssv flags " + (unsigned ? 2 : 1)), true);
        ReferenceTools.Result r = ReferenceTools.run("e2fsck", "-fyD", img.toString());
        assertThat(r.exit()).as(r.describe()).isIn(0, 1);
        ReferenceTools.Result check = ReferenceTools.run("e2fsck", "-fn", img.toString());
        assertThat(check.exit()).as(check.describe()).isZero();
        return img;
    }

    @ParameterizedTest(name = "{0} unsigned={1} block size {2}")
    @MethodSource("variants")
    void everyNameIsFoundThroughTheIndex(String alg, boolean unsigned, String blockSize) throws IOException {
        Path img = indexedImage(alg, unsigned, blockSize);
        String dump = Debugfs.run(img, List.of("htree_dump /big"));
        Matcher m = Pattern.compile("Hash Version: (\\d+)").matcher(dump);
        assertThat(m.find()).as("directory is indexed").isTrue();
        Matcher lv = Pattern.compile("Indirect levels: (\\d+)").matcher(dump);
        assertThat(lv.find()).isTrue();
        assertThat(Integer.parseInt(lv.group(1))).as("two-level index").isEqualTo(1);
        assertThat(Integer.parseInt(m.group(1))).as("hash version in the root")
                .isEqualTo(List.of("legacy", "half_md4", "tea").indexOf(alg));
        try (Ext4Volume vol = Images.open(img); FileSystem fs = vol.fileSystem()) {
            Path dir = fs.getPath("/big");
            // The linear listing is the reference for the inode of every name.
            Map<String, Long> listing = new TreeMap<>();
            try (var ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    listing.put(p.getFileName().toString(), 0L);
                }
            }
            assertThat(listing.keySet()).containsExactlyInAnyOrderElementsOf(names);
            vol.engine().resolver.forgetAll();
            long readsBefore = vol.engine().fs.cache.reads();
            for (String n : names) {
                Ext4FileAttributes a = Files.readAttributes(dir.resolve(n), Ext4FileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                assertThat(a.isRegularFile()).isTrue();
            }
            long reads = vol.engine().fs.cache.reads() - readsBefore;
            // A linear search would read every directory block per miss; the index reads a handful.
            long dirBlocks = Files.size(dir) / Integer.parseInt(blockSize);
            assertThat(reads).as("device reads for " + ENTRIES + " lookups in " + dirBlocks + " blocks")
                    .isLessThan(dirBlocks * 3 + 2000);
            assertThatThrownBy(() -> Files.readAttributes(dir.resolve("entry-99999-missing"), Ext4FileAttributes.class))
                    .isInstanceOf(NoSuchFileException.class);
            assertThat(vol.problems()).isEmpty();
            assertThat(vol.check().problems()).isEmpty();
        }
    }

    @Test
    void hashesEqualDebugfsDxHash() throws IOException {
        Path img = work.resolve("dxhash.img");
        Images.mkfs(img, "mkfs.ext4", List.of(), null, "8M");
        String seed = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
        int[] seedWords = seedWords(seed);
        List<String> sample = new ArrayList<>(List.of("a", "hello", "x".repeat(31), "y".repeat(32), "z".repeat(33),
                "q".repeat(255), "ümlaut", "日本語", "ÿÿÿÿ", "mixed-Ä-ß-€-name.txt"));
        for (int i = 0; i < 40; i++) {
            sample.add(names.get(i * 487 % names.size()));
        }
        List<String> cmds = new ArrayList<>();
        for (String n : sample) {
            for (int v = 0; v <= 5; v++) {
                cmds.add("dx_hash -h " + v + " " + n);
                cmds.add("dx_hash -h " + v + " -s " + seed + " " + n);
            }
        }
        String out = Debugfs.run(img, cmds);
        Matcher m = Pattern.compile("Hash of (.*) is 0x([0-9a-f]+) \\(minor 0x([0-9a-f]+)\\)").matcher(out);
        int i = 0;
        while (m.find()) {
            String n = sample.get(i / 12);
            int version = (i % 12) / 2;
            boolean seeded = i % 2 == 1;
            byte[] b = n.getBytes(StandardCharsets.UTF_8);
            DxHash.Hash h = DxHash.hash(version, b, 0, b.length, seeded ? seedWords : null);
            assertThat(Integer.toHexString(h.major())).as(n + " " + DxRootInfo.hashName(version) + " seeded=" + seeded)
                    .isEqualTo(m.group(2));
            if (version != DxRootInfo.HASH_LEGACY && version != DxRootInfo.HASH_LEGACY_UNSIGNED) {
                assertThat(Integer.toHexString(h.minor())).isEqualTo(m.group(3));
            }
            i++;
        }
        assertThat(i).isEqualTo(sample.size() * 12);
    }

    /** A UUID-format seed as the four little-endian words the superblock stores. */
    static int[] seedWords(String uuid) {
        String hex = uuid.replace("-", "");
        int[] w = new int[4];
        for (int k = 0; k < 4; k++) {
            int v = 0;
            for (int j = 3; j >= 0; j--) {
                v = (v << 8) | Integer.parseInt(hex.substring(k * 8 + j * 2, k * 8 + j * 2 + 2), 16);
            }
            w[k] = v;
        }
        return w;
    }

    static void copy(Path a, Path b) throws IOException {
        Scratch.copy(a, b);
    }
}
