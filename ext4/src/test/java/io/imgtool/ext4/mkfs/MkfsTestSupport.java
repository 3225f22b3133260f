package io.imgtool.ext4.mkfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.testdata.ReferenceTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Scratch directories and the e2fsck oracle for the mkfs tests. */
final class MkfsTestSupport {

    private MkfsTestSupport() {
    }

    static Path scratch(String name) throws IOException {
        Path p = Path.of(System.getProperty("java.io.tmpdir"), "mkfs-" + name);
        if (Files.exists(p)) {
            try (Stream<Path> w = Files.walk(p)) {
                w.sorted(Comparator.reverseOrder()).forEach(q -> q.toFile().delete());
            }
        }
        return Files.createDirectories(p);
    }

    /** Runs {@code e2fsck -fn} and asserts it found nothing (exit 0, no "Fix?" questions). */
    static String fsckClean(Path image) {
        ReferenceTools.Result r = ReferenceTools.run("e2fsck", "-fn", image.toString());
        assertThat(r.exit()).as(r.describe()).isZero();
        assertThat(r.stdout()).as(r.describe()).doesNotContain("Fix?").doesNotContain("Clear?");
        return r.stdout();
    }
}
