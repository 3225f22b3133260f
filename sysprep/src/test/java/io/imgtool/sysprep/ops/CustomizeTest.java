package io.imgtool.sysprep.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.ImageException;
import io.imgtool.sysprep.Change;
import io.imgtool.sysprep.Customization;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.MachineIdMode;
import io.imgtool.sysprep.Selection;
import io.imgtool.sysprep.Sha512Crypt;
import io.imgtool.sysprep.Sysprep;
import io.imgtool.sysprep.SysprepOptions;
import io.imgtool.sysprep.SysprepReport;
import io.imgtool.sysprep.TestRoots;
import io.imgtool.sysprep.ops.customize.Chmod;
import io.imgtool.sysprep.ops.customize.Delete;
import io.imgtool.sysprep.ops.customize.Firstboot;
import io.imgtool.sysprep.ops.customize.Hostname;
import io.imgtool.sysprep.ops.customize.MakeDirectory;
import io.imgtool.sysprep.ops.customize.RootPassword;
import io.imgtool.sysprep.ops.customize.SshInject;
import io.imgtool.sysprep.ops.customize.Stamp;
import io.imgtool.sysprep.ops.customize.Upload;
import io.imgtool.sysprep.ops.customize.WriteFile;
import io.imgtool.testdata.GuestTree;
import io.imgtool.sysprep.sample.UsedGuestTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CustomizeTest {

    @TempDir
    Path tmp;

    static SysprepReport customize(Path root, Customization... steps) throws IOException {
        return Sysprep.builder().root(root).selection(Selection.defaults().operations("customize"))
                .options(SysprepOptions.builder().random(new Random(9)).customize(List.of(steps)).build()).run();
    }

    static String read(Path root, String gp) throws IOException {
        return Files.readString(root.resolve(gp.substring(1)), StandardCharsets.ISO_8859_1);
    }

    static PosixFileAttributes attrs(Path root, String gp) throws IOException {
        return Files.readAttributes(root.resolve(gp.substring(1)), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }

    static Path debian() throws IOException {
        Path root = TestRoots.jimfs();
        UsedGuestTree.debian().build(root);
        return root;
    }

    @Test
    void writeMkdirChmodDeleteInCommandLineOrder() throws IOException {
        Path root = debian();
        SysprepReport r = customize(root, MakeDirectory.parse("/opt/app/conf"), WriteFile.parse("/opt/app/conf/a.conf:x=1"),
                Chmod.parse("0600:/opt/app/conf/a.conf"), WriteFile.parse("/opt/app/tmp:junk"), Delete.parse("/opt/app/t*"));
        assertThat(read(root, "/opt/app/conf/a.conf")).isEqualTo("x=1");
        assertThat(PosixFilePermissions.toString(attrs(root, "/opt/app/conf/a.conf").permissions())).isEqualTo("rw-------");
        assertThat(Files.exists(root.resolve("opt/app/tmp"))).isFalse();
        assertThat(r.changes()).extracting(Change::kind).contains(Change.Kind.CREATED, Change.Kind.CHANGED, Change.Kind.REMOVED);
        // The same steps again: nothing more changes except the write/delete pair, which re-creates and removes.
        SysprepReport again = customize(root, MakeDirectory.parse("/opt/app/conf"), WriteFile.parse("/opt/app/conf/a.conf:x=1"),
                Chmod.parse("0600:/opt/app/conf/a.conf"));
        assertThat(again.changes()).isEmpty();
    }

    @Test
    void parseErrorsAreUsageErrors() {
        assertThatThrownBy(() -> WriteFile.parse("relative:x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WriteFile.parse("nocolon")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Chmod.parse("rwx:/x")).hasMessageContaining("octal");
        assertThatThrownBy(() -> Hostname.parse("bad_name")).hasMessageContaining("host name");
        assertThatThrownBy(() -> RootPassword.parse("plain:x")).hasMessageContaining("hash:HASH");
        assertThatThrownBy(() -> Stamp.parse("1.0 beta")).hasMessageContaining("--stamp");
        assertThatThrownBy(() -> Delete.parse("/")).hasMessageContaining("root");
    }

    @Test
    void hostnameOnDebianAndRhel() throws IOException {
        Path deb = debian();
        customize(deb, Hostname.parse("web1.example.net"));
        assertThat(read(deb, "/etc/hostname")).isEqualTo("web1.example.net\n");
        assertThat(read(deb, "/etc/hosts")).contains("127.0.0.1\tlocalhost\n127.0.1.1\tweb1.example.net web1\n")
                .doesNotContain("template-host");
        Path rhel = TestRoots.jimfs();
        UsedGuestTree.rhel().build(rhel);
        customize(rhel, Hostname.parse("db2"));
        assertThat(read(rhel, "/etc/hostname")).isEqualTo("db2\n");
        assertThat(read(rhel, "/etc/hosts")).contains("192.0.2.10\tdb2 db2\n").doesNotContain("127.0.1.1");
        // A Debian guest without the 127.0.1.1 line gets one, after localhost.
        Path bare = TestRoots.jimfs();
        UsedGuestTree.debian().build(bare);
        Files.writeString(bare.resolve("etc/hosts"), "127.0.0.1 localhost\n::1 localhost\n");
        customize(bare, Hostname.parse("n1"));
        assertThat(read(bare, "/etc/hosts")).isEqualTo("127.0.0.1 localhost\n127.0.1.1\tn1\n::1 localhost\n");
    }

    @Test
    void rootPasswordEditsShadowInPlaceKeepingModeAndOwner() throws IOException {
        Path root = debian();
        PosixFileAttributes before = attrs(root, "/etc/shadow");
        customize(root, RootPassword.parse("hash:$6$abc$def"));
        assertThat(read(root, "/etc/shadow")).startsWith("root:$6$abc$def:19700:0:99999:7:::\ndaemon:*:");
        PosixFileAttributes after = attrs(root, "/etc/shadow");
        assertThat(after.permissions()).isEqualTo(before.permissions());
        assertThat(after.group()).isEqualTo(before.group());
        assertThat(after.fileKey()).isEqualTo(before.fileKey());
        customize(root, RootPassword.parse("disabled"));
        assertThat(read(root, "/etc/shadow")).startsWith("root:*:19700:");
        SysprepReport r = customize(root, RootPassword.parse("random"));
        String pw = r.notes().get(0).substring("root password: ".length());
        String hash = read(root, "/etc/shadow").split("\n")[0].split(":")[1];
        assertThat(pw).hasSize(16);
        assertThat(Sha512Crypt.crypt(pw, hash)).isEqualTo(hash);
    }

    @Test
    void sshInjectAppendsOnceWithOwnerAndModes() throws IOException {
        Path root = debian();
        Path keys = Files.writeString(tmp.resolve("id.pub"), "ssh-ed25519 AAAAnew ops@ci\n\nssh-ed25519 AAAA alice@laptop\n");
        customize(root, SshInject.parse("alice:" + keys));
        assertThat(read(root, "/home/alice/.ssh/authorized_keys"))
                .isEqualTo("ssh-ed25519 AAAA alice@laptop\nssh-ed25519 AAAAnew ops@ci\n");
        SysprepReport again = customize(root, SshInject.parse("alice:" + keys));
        assertThat(again.changes()).isEmpty();
        customize(root, SshInject.parse("bob:" + keys));
        PosixFileAttributes ak = attrs(root, "/home/bob/.ssh/authorized_keys");
        PosixFileAttributes dir = attrs(root, "/home/bob/.ssh");
        assertThat(PosixFilePermissions.toString(ak.permissions())).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(dir.permissions())).isEqualTo("rwx------");
        assertThat(ak.owner().getName()).isEqualTo("1001");
        assertThat(dir.group().getName()).isEqualTo("1001");
        assertThatThrownBy(() -> customize(root, SshInject.parse("nobody2:" + keys))).isInstanceOf(ImageException.class)
                .hasMessageContaining("no user 'nobody2'");
    }

    @Test
    void firstbootInstallsASelfDisablingUnitEnabledLikeSystemctl() throws IOException {
        Path root = debian();
        Path script = Files.writeString(tmp.resolve("setup.sh"), "#!/bin/sh\necho hi\n");
        customize(root, Firstboot.parse(script.toString()));
        assertThat(read(root, "/usr/local/lib/imgtool/firstboot/setup.sh")).isEqualTo("#!/bin/sh\necho hi\n");
        assertThat(PosixFilePermissions.toString(attrs(root, "/usr/local/lib/imgtool/firstboot/setup.sh").permissions()))
                .isEqualTo("rwxr-xr-x");
        String unit = read(root, "/etc/systemd/system/imgtool-firstboot-setup.sh.service");
        assertThat(unit).contains("ExecStart=-/usr/local/lib/imgtool/firstboot/setup.sh",
                "ExecStartPost=/bin/sh -c 'systemctl disable imgtool-firstboot-setup.sh.service'", "WantedBy=multi-user.target");
        Path link = root.resolve("etc/systemd/system/multi-user.target.wants/imgtool-firstboot-setup.sh.service");
        assertThat(Files.readSymbolicLink(link).toString()).isEqualTo("/etc/systemd/system/imgtool-firstboot-setup.sh.service");
        assertThat(customize(root, Firstboot.parse(script.toString())).changes()).isEmpty();
    }

    @Test
    void stampWritesImageReleaseAndOsReleaseThroughTheLinkIdempotently() throws IOException {
        Path root = debian();
        customize(root, Stamp.parse("2024.11.1"));
        assertThat(read(root, "/etc/image-release")).isEqualTo("2024.11.1\n");
        assertThat(Files.isSymbolicLink(root.resolve("etc/os-release"))).isTrue();
        assertThat(read(root, "/usr/lib/os-release")).endsWith("HOME_URL=\"https://www.debian.org/\"\nIMAGE_VERSION=2024.11.1\n");
        assertThat(customize(root, Stamp.parse("2024.11.1")).changes()).isEmpty();
        customize(root, Stamp.parse("2024.12.0"));
        assertThat(read(root, "/usr/lib/os-release")).contains("IMAGE_VERSION=2024.12.0\n").doesNotContain("2024.11.1");
    }

    @Test
    void uploadKeepsModeAndGoesIntoDirectories() throws IOException {
        Path root = debian();
        Path f = Files.writeString(tmp.resolve("tool.sh"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-x---"));
        customize(root, MakeDirectory.parse("/usr/local/bin"), Upload.parse(f + ":/usr/local/bin"), Upload.parse(f + ":/etc/tool.conf"));
        assertThat(read(root, "/usr/local/bin/tool.sh")).isEqualTo("#!/bin/sh\n");
        assertThat(PosixFilePermissions.toString(attrs(root, "/usr/local/bin/tool.sh").permissions())).isEqualTo("rwxr-x---");
        assertThat(read(root, "/etc/tool.conf")).isEqualTo("#!/bin/sh\n");
    }

    @Test
    void machineIdUninitializedAndNeverReseeded() throws IOException {
        Path root = debian();
        Sysprep.builder().root(root).selection(Selection.defaults().operations("machine-id,customize"))
                .options(SysprepOptions.builder().machineId(MachineIdMode.UNINITIALIZED).build()).run();
        assertThat(read(root, "/etc/machine-id")).isEqualTo("uninitialized\n");
        Path rhel = TestRoots.jimfs();
        UsedGuestTree.rhel().build(rhel);
        Sysprep.builder().root(rhel).selection(Selection.defaults().operations("machine-id,customize")).run();
        assertThat(read(rhel, "/etc/machine-id")).isEmpty();
        assertThat(Files.exists(rhel.resolve("var/lib/dbus/machine-id"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void optionsForDisabledOperationsAreRefused() throws IOException {
        Path root = debian();
        assertThatThrownBy(() -> Sysprep.builder().root(root).selection(Selection.defaults().disable("customize"))
                .options(SysprepOptions.builder().customize(Hostname.parse("x")).build()).run())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("customize");
        assertThatThrownBy(() -> Sysprep.builder().root(root)
                .options(SysprepOptions.builder().keepUsers(List.of("alice")).build()).run())
                .hasMessageContaining("user-account");
    }

    @Test
    void userAccountRemovesOrdinaryUsersButNeverSystemDirectories() throws IOException {
        Path root = debian();
        Files.writeString(root.resolve("etc/passwd"), "carol:x:1002:1002::/usr:/bin/sh\n", java.nio.file.StandardOpenOption.APPEND);
        SysprepReport r = Sysprep.builder().root(root).selection(Selection.defaults().operations("user-account"))
                .options(SysprepOptions.builder().keepUsers(List.of("bob")).build()).run();
        assertThat(read(root, "/etc/passwd")).doesNotContain("alice", "carol").contains("bob:x:1001", "root:x:0");
        assertThat(read(root, "/etc/shadow")).doesNotContain("alice").contains("bob:");
        assertThat(read(root, "/etc/group")).doesNotContain("alice:x:1000").contains("adm:x:4:alice");
        assertThat(Files.exists(root.resolve("home/alice"))).isFalse();
        assertThat(Files.exists(root.resolve("var/mail/alice"))).isFalse();
        assertThat(Files.exists(root.resolve("usr/bin"))).isTrue();
        assertThat(r.warnings()).anyMatch(w -> w.contains("/usr"));
    }

    @Test
    void dryRunOfCustomizationChainChangesNothingAndReportsTheSame() throws IOException {
        Path a = debian();
        String hash = GuestTree.hash(a);
        Customization[] steps = {MakeDirectory.parse("/srv/new/dir"), WriteFile.parse("/srv/new/dir/f:1"),
            Chmod.parse("0640:/srv/new/dir/f"), Delete.parse("/srv/new"), Hostname.parse("h1"), Stamp.parse("1")};
        SysprepReport dry = Sysprep.builder().root(a).dryRun(true).selection(Selection.defaults().operations("customize"))
                .options(SysprepOptions.builder().customize(List.of(steps)).build()).run();
        assertThat(GuestTree.hash(a)).isEqualTo(hash);
        SysprepReport real = Sysprep.builder().root(a).selection(Selection.defaults().operations("customize"))
                .options(SysprepOptions.builder().customize(List.of(steps)).build()).run();
        assertThat(dry.changes()).isEqualTo(real.changes());
        assertThat(GuestFiles.MAX_READ).isPositive();
    }
}
