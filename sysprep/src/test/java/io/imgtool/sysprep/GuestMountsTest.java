package io.imgtool.sysprep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.testdata.GuestTree;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A guest assembled from several filesystems (root, /var, /home on jimfs instances of their own, an
 * "xfs" /srv that cannot be opened): paths go to the filesystem mounted at their longest prefix,
 * links resolve against the whole guest, unopenable mounts fail clearly or are left out of walks.
 */
class GuestMountsTest {

    private Path root;
    private Path var;
    private Path home;
    private Path varLog;

    private GuestResolver guest() throws IOException {
        root = TestRoots.jimfs();
        var = TestRoots.jimfs();
        home = TestRoots.jimfs();
        varLog = TestRoots.jimfs();
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
        Files.writeString(root.resolve("etc/os-release"), "ID=debian\nVERSION_ID=12\n");
        // Mount point directories on the root filesystem, with a file hidden under /var (as a real
        // mount would hide it).
        Files.createDirectories(root.resolve("var"));
        Files.writeString(root.resolve("var/hidden-by-mount"), "on the root filesystem\n");
        Files.createDirectories(root.resolve("home"));
        Files.createDirectories(root.resolve("srv"));
        Files.createDirectories(var.resolve("log"));
        Files.createDirectories(var.resolve("tmp"));
        Files.writeString(var.resolve("tmp/scratch"), "scratch\n");
        Files.createDirectories(var.resolve("lib/dhcp"));
        Files.writeString(var.resolve("lib/dhcp/dhclient.eth0.leases"), "lease {}\n");
        Files.writeString(varLog.resolve("syslog"), "syslog\n");
        Files.writeString(varLog.resolve("syslog.1"), "old syslog\n");
        Files.createSymbolicLink(varLog.resolve("evil.log"), varLog.getFileSystem().getPath("/etc/passwd"));
        Files.createDirectories(home.resolve("alice"));
        Files.writeString(home.resolve("alice/.bash_history"), "ls\n");
        Files.createSymbolicLink(root.resolve("etc/var-link"), root.getFileSystem().getPath("../var/lib/dhcp"));
        return new GuestResolver(root, List.of(GuestResolver.Mount.of("/var", var, "ext4 on partition 3"),
                GuestResolver.Mount.of("/home", home, "ext4 on partition 4"),
                GuestResolver.Mount.of("/var/log", varLog, "ext4 on partition 5"),
                GuestResolver.Mount.unavailable("/srv", "xfs on partition 6")));
    }

    @Test
    void pathsGoToTheFilesystemMountedAtTheirLongestPrefix() throws IOException {
        GuestResolver r = guest();
        assertThat(r.resolve("/var/lib/dhcp/dhclient.eth0.leases")).isEqualTo(var.toRealPath().resolve("lib/dhcp/dhclient.eth0.leases"));
        assertThat(r.resolve("/var/log/syslog")).isEqualTo(varLog.toRealPath().resolve("syslog"));
        assertThat(r.resolve("/var")).isEqualTo(var.toRealPath());
        assertThat(r.resolve("/etc/passwd")).isEqualTo(root.toRealPath().resolve("etc/passwd"));
        // Links resolve against the whole guest: from /var/log to the root filesystem, from / into /var.
        assertThat(r.resolveFollow("/var/log/evil.log")).isEqualTo(root.toRealPath().resolve("etc/passwd"));
        assertThat(r.resolve("/etc/var-link/dhclient.eth0.leases")).isEqualTo(var.toRealPath().resolve("lib/dhcp/dhclient.eth0.leases"));
        assertThat(r.resolve("/var/log/../lib")).isEqualTo(var.toRealPath().resolve("lib"));
        // Guest paths of paths on each filesystem.
        assertThat(r.guestPathOf(varLog.toRealPath().resolve("syslog"))).isEqualTo("/var/log/syslog");
        assertThat(r.guestPathOf(var.toRealPath())).isEqualTo("/var");
        assertThat(r.guestPathOf(root.toRealPath().resolve("var"))).isEqualTo("/var");
        assertThat(r.canonical(root.toRealPath().resolve("var"))).isEqualTo(var.toRealPath());
        assertThat(r.isMountRoot(var.toRealPath())).isTrue();
    }

    @Test
    void anUnopenableMountFailsWhenEnteredAndIsLeftOutOfWalks() throws IOException {
        GuestResolver r = guest();
        assertThatThrownBy(() -> r.resolve("/srv/www/index.html"))
                .isInstanceOf(UnsupportedFeatureException.class)
                .hasMessageContaining("/srv/www/index.html").hasMessageContaining("xfs on partition 6");
        GuestFiles f = new GuestFiles(r, new ChangeRecorder(), false, null);
        assertThat(f.list("/")).containsExactly("/etc", "/home", "/var");
        assertThat(f.skippedMounts()).containsExactly("/srv");
        assertThat(f.glob("/var/*")).containsExactly("/var/lib", "/var/log", "/var/tmp");
        assertThat(f.glob("/var/log/*")).containsExactly("/var/log/evil.log", "/var/log/syslog", "/var/log/syslog.1");
    }

    @Test
    void sealingActsOnEveryMountedFilesystemAndRemovesLinksAsLinks() throws IOException {
        GuestResolver r = guest();
        String passwd = Files.readString(root.resolve("etc/passwd"));
        SysprepReport rep = Sysprep.builder().root(root).mounts(r.mounts())
                .selection(Selection.defaults().operations("logfiles,bash-history,tmp-files,dhcp-client-state"))
                .options(SysprepOptions.builder().random(new Random(1)).build()).run();
        assertThat(rep.changes(Change.Kind.REMOVED)).extracting(Change::path).containsExactlyInAnyOrder(
                "/var/log/evil.log", "/var/log/syslog", "/var/log/syslog.1", "/home/alice/.bash_history",
                "/var/tmp/scratch", "/var/lib/dhcp/dhclient.eth0.leases");
        assertThat(Files.exists(varLog.resolve("syslog"))).isFalse();
        assertThat(Files.exists(var.resolve("lib/dhcp/dhclient.eth0.leases"))).isFalse();
        assertThat(Files.exists(home.resolve("alice/.bash_history"))).isFalse();
        assertThat(Files.readString(root.resolve("etc/passwd"))).isEqualTo(passwd);
        // The file hidden under the mount point on the root filesystem is not the guest's: untouched.
        assertThat(Files.readString(root.resolve("var/hidden-by-mount"))).isEqualTo("on the root filesystem\n");
        assertThat(rep.warnings()).isEmpty();
    }

    @Test
    void dryRunOverMountsReportsTheSameAndWritesNothing() throws IOException {
        GuestResolver r = guest();
        List<Path> all = List.of(root, var, home, varLog);
        List<String> before = new java.util.ArrayList<>();
        for (Path p : all) {
            before.add(GuestTree.hash(p));
        }
        // backup-files searches /srv, which is on the "xfs" mount: a clear error, nothing changed.
        assertThatThrownBy(() -> Sysprep.builder().root(root).mounts(r.mounts())
                .selection(Selection.defaults().operations("backup-files")).run())
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("/srv")
                .hasMessageContaining("xfs on partition 6");
        Selection sel = Selection.defaults().disable("backup-files");
        SysprepReport dry = Sysprep.builder().root(root).mounts(r.mounts()).selection(sel)
                .options(SysprepOptions.builder().random(new Random(1)).build()).dryRun(true).run();
        for (int i = 0; i < all.size(); i++) {
            assertThat(GuestTree.hash(all.get(i))).isEqualTo(before.get(i));
        }
        SysprepReport real = Sysprep.builder().root(root).mounts(r.mounts()).selection(sel)
                .options(SysprepOptions.builder().random(new Random(1)).build()).run();
        assertThat(dry.changes()).isEqualTo(real.changes());
        assertThat(real.changes()).isNotEmpty();
        SysprepReport again = Sysprep.builder().root(root).mounts(r.mounts()).selection(sel)
                .options(SysprepOptions.builder().random(new Random(1)).build()).run();
        assertThat(again.changes()).isEmpty();
    }

    @Test
    void aMountRootIsNeverRemovedAndMountPointsMustBeDistinct() throws IOException {
        GuestResolver r = guest();
        GuestFiles f = new GuestFiles(r, new ChangeRecorder(), false, null);
        assertThatThrownBy(() -> f.removeTree("/var/log")).isInstanceOf(FileSystemException.class)
                .hasMessageContaining("mount point");
        // A tree on a mounted filesystem is removed there.
        f.removeTree("/var/lib");
        assertThat(Files.exists(var.resolve("lib"))).isFalse();
        assertThat(Files.exists(var.resolve("log"))).isTrue();
        Path other = TestRoots.jimfs();
        assertThatThrownBy(() -> new GuestResolver(root, List.of(GuestResolver.Mount.of("/var", var, "a"),
                GuestResolver.Mount.of("/var/", other, "b")))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GuestResolver.Mount.of("/", other, "c")).isInstanceOf(IllegalArgumentException.class);
    }
}
