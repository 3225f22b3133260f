package io.imgtool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The one-subcommand fast path behaves exactly like the full command tree. */
class FastPathTest {

    @Test
    void sameOutputAndExitCodes() {
        List<String[]> cases = List.of(
                new String[] {"label", "--help"},
                new String[] {"label"},
                new String[] {"label", "--root", "X", "/nonexistent.img"},
                new String[] {"label", "--root", "X", "--sector-size", "7", "/nonexistent.img"},
                new String[] {"part", "--help"},
                new String[] {"part", "list", "--help"},
                new String[] {"part", "list", "/nonexistent.img"},
                new String[] {"part", "nosuch"},
                new String[] {"part", "types"},
                new String[] {"part", "resize", "x.img", "1"},
                new String[] {"--help"},
                new String[] {"--version"},
                new String[] {"-V"},
                new String[] {"--version", "--help"},
                new String[] {"help", "label"},
                new String[] {"nosuch"});
        for (String[] args : cases) {
            Cli.Run fast = Cli.run(args);
            Cli.Run full = Cli.runFull(args);
            assertThat(fast).as(String.join(" ", args)).isEqualTo(full);
        }
        assertThat(ImgTool.commandLine("label").getSubcommands()).containsOnlyKeys("label");
        assertThat(ImgTool.commandLine("--help").getSubcommands()).containsKeys("help", "part", "label");
        assertThat(ImgTool.commandLine("--version").getSubcommands()).isEmpty();
    }
}
