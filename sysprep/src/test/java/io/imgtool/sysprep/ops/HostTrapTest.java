package io.imgtool.sysprep.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.sysprep.Change;
import io.imgtool.sysprep.Selection;
import io.imgtool.sysprep.Sysprep;
import io.imgtool.sysprep.SysprepOptions;
import io.imgtool.sysprep.SysprepReport;
import io.imgtool.sysprep.TestRoots;
import io.imgtool.sysprep.ops.customize.Delete;
import io.imgtool.sysprep.ops.customize.WriteFile;
import io.imgtool.testdata.GuestTree;
import io.imgtool.sysprep.sample.UsedGuestTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest tree lies in a host directory, next to a canary directory outside it, and holds links
 * to the canary by its absolute host path. A sealing tool that let the host follow a guest link
 * would delete or write the canary; imgtool must leave it byte for byte.
 */
class HostTrapTest {

    @TempDir
    Path tmp;

    Path outside;
    Path root;

    void build() throws IOException {
        outside = tmp.resolve("outside");
        Files.createDirectories(outside.resolve("sub"));
        Files.writeString(outside.resolve("passwd"), "host passwd\n");
        Files.writeString(outside.resolve("app.log"), "host log\n");
        Files.writeString(outside.resolve("sub/.bash_history"), "host history\n");
        Files.writeString(outside.resolve("ssh_host_rsa_key"), "host key\n");
        root = TestRoots.host(tmp);
        UsedGuestTree.debian().cloudInit(false).build(root);
        String abs = outside.toAbsolutePath().toString();
        Files.createSymbolicLink(root.resolve("tmp/abs-host"), outside.toAbsolutePath());
        Files.createSymbolicLink(root.resolve("var/tmp/abs-file"), outside.resolve("passwd").toAbsolutePath());
        Files.createSymbolicLink(root.resolve("var/log/abs.log"), outside.resolve("app.log").toAbsolutePath());
        Files.createSymbolicLink(root.resolve("var/log/journal/abs"), outside.toAbsolutePath());
        Files.createSymbolicLink(root.resolve("home/hostuser"), Path.of(abs, "sub"));
        Files.createSymbolicLink(root.resolve("etc/ssh/ssh_host_evil_key"), outside.resolve("ssh_host_rsa_key").toAbsolutePath());
        Files.createSymbolicLink(root.resolve("var/cache/apt/archives/hostdir"), outside.toAbsolutePath());
        Files.createSymbolicLink(root.resolve("srv/host.bak"), outside.resolve("passwd").toAbsolutePath());
        Files.createSymbolicLink(root.resolve("var/lib/cloud/instances/abs"), outside.toAbsolutePath());
    }

    @Test
    void allOperationsOnAHostDirectoryNeverTouchTheHost() throws IOException {
        build();
        String canary = GuestTree.hash(outside);
        String hostPasswd = Files.readString(Path.of("/etc/passwd"));
        SysprepReport r = Sysprep.builder().root(root).selection(Selection.defaults().operations("all"))
                .options(SysprepOptions.builder().customize(List.of(Delete.parse("/var/log/abs.log"),
                        Delete.parse("/tmp/*"))).build()).run();
        assertThat(GuestTree.hash(outside)).isEqualTo(canary);
        assertThat(Files.readString(Path.of("/etc/passwd"))).isEqualTo(hostPasswd);
        for (String link : List.of("tmp/abs-host", "var/tmp/abs-file", "var/log/abs.log", "var/log/journal/abs",
                "etc/ssh/ssh_host_evil_key", "var/lib/cloud/instances/abs", "tmp/hostlink", "tmp/dotdot", "var/tmp/escape",
                "var/log/evil.log")) {
            assertThat(Files.exists(root.resolve(link), LinkOption.NOFOLLOW_LINKS)).as(link).isFalse();
        }
        // Links in trees whose files only are removed stay, as links.
        assertThat(Files.isSymbolicLink(root.resolve("var/cache/apt/archives/hostdir"))).isTrue();
        assertThat(Files.isSymbolicLink(root.resolve("srv/host.bak"))).isTrue();
        assertThat(Files.isSymbolicLink(root.resolve("home/hostuser"))).isTrue();
        // The guest's own /etc/passwd and /etc survive the links pointing at them.
        // ("all" includes user-account, which removes alice and bob from it.)
        assertThat(Files.readString(root.resolve("etc/passwd"))).startsWith("root:x:0:0:root:/root:/bin/bash\n");
        assertThat(r.changes(Change.Kind.REMOVED)).extracting(Change::path).doesNotContain("/etc", "/etc/passwd", "/");
    }

    @Test
    void writesThroughALinkToTheHostStayInTheGuest() throws IOException {
        build();
        String canary = GuestTree.hash(outside);
        // /tmp/abs-host names a host path; inside the guest that path does not exist: a clear error.
        assertThatThrownBy(() -> Sysprep.builder().root(root).selection(Selection.defaults().operations("customize"))
                .options(SysprepOptions.builder().customize(WriteFile.parse("/tmp/abs-host/pwned:x")).build()).run())
                .isInstanceOf(NoSuchFileException.class);
        assertThat(GuestTree.hash(outside)).isEqualTo(canary);
        // A link to a guest file is followed inside the guest.
        Files.createDirectories(root.resolve(outside.toString().substring(1)));
        Sysprep.builder().root(root).selection(Selection.defaults().operations("customize"))
                .options(SysprepOptions.builder().customize(WriteFile.parse("/tmp/abs-host/pwned:x")).build()).run();
        assertThat(Files.readString(root.resolve(outside.toString().substring(1)).resolve("pwned"))).isEqualTo("x");
        assertThat(GuestTree.hash(outside)).isEqualTo(canary);
    }

    @Test
    void scrubHookSeesEveryRemovedRegularFileAndNoLink() throws IOException {
        build();
        List<Path> scrubbed = new ArrayList<>();
        SysprepReport dry = Sysprep.builder().root(root).dryRun(true)
                .options(SysprepOptions.builder().scrub(true, f -> {
                    scrubbed.add(f);
                    return true;
                }).build()).run();
        assertThat(scrubbed).isEmpty();
        assertThat(dry.changes(Change.Kind.SCRUBBED)).isNotEmpty();
        SysprepReport real = Sysprep.builder().root(root)
                .options(SysprepOptions.builder().scrub(true, f -> {
                    assertThat(Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).as(f.toString()).isTrue();
                    assertThat(f.toRealPath().startsWith(root.toRealPath())).isTrue();
                    scrubbed.add(f);
                    return true;
                }).build()).run();
        assertThat(scrubbed).hasSize(real.changes(Change.Kind.SCRUBBED).size());
        assertThat(real.changes(Change.Kind.SCRUBBED)).extracting(Change::path)
                .contains("/var/log/syslog", "/root/.bash_history").doesNotContain("/var/log/evil.log", "/var/log/abs.log");
        assertThat(dry.changes(Change.Kind.SCRUBBED)).extracting(Change::path)
                .containsExactlyElementsOf(real.changes(Change.Kind.SCRUBBED).stream().map(Change::path).toList());
    }
}
