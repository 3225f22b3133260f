package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.testdata.ReferenceTools;
import java.nio.file.Path;

/** e2fsck as the oracle for images imgtool's mkfs wrote. */
final class MkfsTool {

    private MkfsTool() {
    }

    /** Runs {@code e2fsck -fn} and asserts it found nothing (exit 0, no question asked). */
    static String fsckClean(Path image) {
        ReferenceTools.Result r = ReferenceTools.run("e2fsck", "-fn", image.toString());
        assertThat(r.exit()).as(r.describe()).isZero();
        assertThat(r.stdout()).as(r.describe()).doesNotContain("Fix?").doesNotContain("Clear?").doesNotContain("Salvage?");
        return r.stdout();
    }
}
