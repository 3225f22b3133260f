package io.imgtool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.Json;
import io.imgtool.sysprep.sample.UsedGuestTree;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SealCommandTest {

    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = ImgTool.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void listOperationsTextAndJson() throws Exception {
        Run r = run("seal", "--list-operations");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("bash-history * Remove the bash history in the guest\n",
                "ssh-userdir   Remove \".ssh\" directories in the guest\n");
        Run j = run("seal", "--list-operations", "--json");
        assertThat(j.exit()).isZero();
        List<?> ops = (List<?>) Json.parse(j.out());
        Map<?, ?> first = (Map<?, ?>) ops.get(0);
        assertThat(first.get("name")).isEqualTo("abrt-data");
        assertThat(((Map<?, ?>) first.get("paths")).get("rhel")).isEqualTo(List.of("/var/spool/abrt/*"));
    }

    @Test
    void sealsAGuestDirectoryWithCustomisationInOrderAndDryRun() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("guest"));
        UsedGuestTree.debian().build(root);
        Run dry = run("seal", "--guest-dir", root.toString(), "--dry-run", "--json");
        assertThat(dry.exit()).as(dry.err()).isZero();
        assertThat(Files.exists(root.resolve("var/log/syslog"))).isTrue();
        Map<?, ?> report = (Map<?, ?>) Json.parse(dry.out());
        assertThat(report.get("dry_run")).isEqualTo(true);
        Run real = run("seal", "--guest-dir", root.toString(), "--mkdir", "/srv/app", "--write", "/srv/app/v:1",
                "--hostname", "web1", "--machine-id", "uninitialized", "--disable", "tmp-files");
        assertThat(real.exit()).as(real.err()).isZero();
        assertThat(real.out()).contains("removed /var/log/syslog (file) [logfiles]", "created /srv/app/v");
        assertThat(Files.readString(root.resolve("srv/app/v"))).isEqualTo("1");
        assertThat(Files.readString(root.resolve("etc/machine-id"))).isEqualTo("uninitialized\n");
        assertThat(Files.exists(root.resolve("tmp/build.log"))).isTrue();
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(run("seal", "--operations", "nope", "--guest-dir", tmp.toString()).exit()).isEqualTo(ExitCodes.USAGE);
        Run bad = run("seal", "--chmod", "rwx:/x", "--list-operations");
        assertThat(bad.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).contains("octal");
        assertThat(run("seal").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("seal", "--help").exit()).isZero();
    }
}
