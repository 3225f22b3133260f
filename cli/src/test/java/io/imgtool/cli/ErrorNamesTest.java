package io.imgtool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Error lines name the whole command, as the user typed it, on the fast path and the full tree. */
class ErrorNamesTest {

    @TempDir
    Path dir;

    @Test
    void aUsageErrorNamesTheSubcommandPathAndItsHelp() {
        for (Cli.Run r : new Cli.Run[] {Cli.run("part", "name", "disk.img", "x", "y"),
            Cli.runFull("part", "name", "disk.img", "x", "y")}) {
            assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).startsWith("imgtool part name: Invalid value for positional parameter at index 1 (N)")
                    .contains("Try 'imgtool part name --help'.");
        }
        Cli.Run top = Cli.run("--no-such-option");
        assertThat(top.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(top.err()).startsWith("imgtool: Unknown option: '--no-such-option'").contains("Try 'imgtool --help'.");
    }

    @Test
    void aFailureNamesTheSubcommandPath() throws Exception {
        Path bad = Files.write(dir.resolve("bad.qcow2"), new byte[] {'Q', 'F', 'I', (byte) 0xfb, 0, 0, 0, 3});
        for (Cli.Run r : new Cli.Run[] {Cli.run("part", "list", bad.toString()), Cli.runFull("part", "list", bad.toString())}) {
            assertThat(r.exit()).isEqualTo(ExitCodes.CORRUPT);
            assertThat(r.err()).startsWith("imgtool part list: qcow2 header at offset 0: file of 8 bytes is too short");
        }
        assertThat(Cli.run("info", bad.toString()).err()).startsWith("imgtool info: qcow2 header at offset 0");
    }
}
