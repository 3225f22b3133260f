package io.imgtool.ext4;

import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.Scratch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** e2fsck as the judge of images the writer produced. */
public final class Fsck {

    private Fsck() {
    }

    /** {@code e2fsck -fn}: the output when it finds anything (exit status not 0), else null. */
    public static String problems(Path image) {
        ReferenceTools.Result r = ReferenceTools.run("e2fsck", "-fn", image.toString());
        return r.exit() == 0 ? null : r.describe();
    }

    /**
     * Replays the journal on a copy ({@code e2fsck -E journal_only -y}, as a mount would), then checks
     * the copy with {@code e2fsck -fn}; returns the findings or null. The copy is deleted.
     */
    public static String afterReplay(Path image) throws IOException {
        Path copy = image.resolveSibling(image.getFileName() + ".fsck-copy");
        Scratch.copy(image, copy);
        try {
            ReferenceTools.Result j = ReferenceTools.run("e2fsck", "-E", "journal_only", "-y", copy.toString());
            if (j.exit() > 1) {
                return "journal replay failed: " + j.describe();
            }
            return problems(copy);
        } finally {
            Files.deleteIfExists(copy);
        }
    }
}
