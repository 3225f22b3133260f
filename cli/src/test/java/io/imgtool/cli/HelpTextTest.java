package io.imgtool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The help layout: descriptions reflowed into paragraphs, command lists with first sentences. */
class HelpTextTest {

    @Test
    void sentencesSplitOverElementsBecomeOneParagraph() {
        assertThat(ImgTool.reflow(new String[] {"Make every free block read as zeroes, like zerofree: zero",
            "bytes are written only where needed.", "--discard releases the storage.", "Examples:",
            "  imgtool seal a.qcow2 --dry-run", "With -o the input is only read", "and never changed."}))
                .containsExactly("Make every free block read as zeroes, like zerofree: zero bytes are written only where needed.",
                        "--discard releases the storage.", "Examples:", "  imgtool seal a.qcow2 --dry-run",
                        "With -o the input is only read and never changed.");
    }

    @Test
    void firstSentenceStopsAtAFullStopBeforeACapital() {
        assertThat(ImgTool.firstSentence("Give the root a name, e.g. SLX_SYS for netboot. Idempotent."))
                .isEqualTo("Give the root a name, e.g. SLX_SYS for netboot.");
        assertThat(ImgTool.firstSentence("Copy image.qcow2 to raw. Sparse.")).isEqualTo("Copy image.qcow2 to raw.");
        assertThat(ImgTool.firstSentence("Write a tar archive (like virt-tar-out):")).isEqualTo("Write a tar archive (like virt-tar-out).");
    }

    @Test
    void topLevelHelpListsEveryCommandWithOneSentence() {
        Cli.Run r = Cli.run("--help");
        assertThat(r.exit()).isZero();
        String list = r.out().substring(r.out().indexOf("Commands:"));
        assertThat(list).contains("  zero-free ").contains("  seal ").contains("  help ");
        // the command list shows convert's first sentence, not its whole paragraph
        assertThat(list).contains("flattening any backing chain.").doesNotContain("temporary name");
        for (String line : r.out().split("\n")) {
            assertThat(line.length()).as(line).isLessThanOrEqualTo(80);
        }
    }
}
