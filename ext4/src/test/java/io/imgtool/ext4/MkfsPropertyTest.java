package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.RawFileDevice;
import io.imgtool.ext4.mkfs.Ext4Formatter;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * Random trees (nested directories, files of random sizes with zero runs, symlinks of random
 * lengths, hard links, wide directories) in random layouts: e2fsck -fn is clean and the reader sees
 * the tree as built.
 */
class MkfsPropertyTest {

    @Property(tries = 25)
    void randomTreesRoundTrip(@ForAll @LongRange(min = 0, max = 1_000_000) long seed,
                              @ForAll @IntRange(min = 0, max = 5) int layout) throws IOException {
        Random rnd = new Random(seed);
        try (FileSystem src = Jimfs.newFileSystem(Configuration.unix().toBuilder()
                .setAttributeViews("basic", "owner", "posix", "unix").build())) {
            Path root = src.getPath("/t");
            Files.createDirectories(root);
            List<Path> dirs = new ArrayList<>(List.of(root));
            List<Path> files = new ArrayList<>();
            int n = 5 + rnd.nextInt(200);
            for (int i = 0; i < n; i++) {
                Path parent = dirs.get(rnd.nextInt(dirs.size()));
                String name = "n" + i + "x".repeat(rnd.nextInt(rnd.nextInt(10) == 0 ? 200 : 20));
                Path p = parent.resolve(name);
                switch (rnd.nextInt(10)) {
                    case 0, 1 -> dirs.add(Files.createDirectory(p));
                    case 2 -> Files.createSymbolicLink(p, src.getPath("t".repeat(1 + rnd.nextInt(rnd.nextBoolean() ? 59 : 300))));
                    case 3 -> {
                        if (!files.isEmpty()) {
                            Files.createLink(p, files.get(rnd.nextInt(files.size())));
                        }
                    }
                    default -> {
                        int size = rnd.nextInt(8) == 0 ? rnd.nextInt(300_000) : rnd.nextInt(5000);
                        byte[] b = new byte[size];
                        rnd.nextBytes(b);
                        if (size > 10 && rnd.nextBoolean()) {
                            int from = rnd.nextInt(size);
                            java.util.Arrays.fill(b, from, Math.min(size, from + rnd.nextInt(20_000)), (byte) 0);
                        }
                        Files.write(p, b);
                        files.add(p);
                    }
                }
            }
            String[] features = {"", "^metadata_csum,^64bit", "^has_journal", "^flex_bg", "metadata_csum_seed",
                "^metadata_csum,uninit_bg"};
            int bs = rnd.nextBoolean() ? 1024 : 4096;
            Path img = Images.scratch("mkfs-prop").resolve("p.img");
            try (RawFileDevice d = RawFileDevice.create(img, 64L << 20)) {
                Ext4Formatter.builder().blockSize(bs).features(features[layout]).assumeZeroed(true).build()
                        .format(d, root);
            }
            MkfsTool.fsckClean(img);
            Map<String, String> expected = MkfsFeatureTest.describe(root);
            try (Ext4Volume vol = Images.open(img); FileSystem fs = vol.fileSystem()) {
                Map<String, String> actual = MkfsFeatureTest.describe(fs.getPath("/"));
                actual.remove("/lost+found");
                List<String> diff = new ArrayList<>();
                for (String k : expected.keySet()) {
                    if (!expected.get(k).equals(actual.get(k))) {
                        diff.add(k + "\n  expected " + expected.get(k) + "\n  actual   " + actual.get(k));
                    }
                }
                for (String k : actual.keySet()) {
                    if (!expected.containsKey(k)) {
                        diff.add("unexpected " + k);
                    }
                }
                assertThat(diff).as("bs " + bs + ", features " + features[layout]).isEmpty();
                assertThat(vol.check().problems()).isEmpty();
            }
        }
    }
}
