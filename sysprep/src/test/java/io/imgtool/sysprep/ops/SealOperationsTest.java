package io.imgtool.sysprep.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.sysprep.Change;
import io.imgtool.sysprep.Operation;
import io.imgtool.sysprep.OsFamily;
import io.imgtool.sysprep.Registry;
import io.imgtool.sysprep.Selection;
import io.imgtool.sysprep.Sysprep;
import io.imgtool.sysprep.SysprepOptions;
import io.imgtool.sysprep.SysprepReport;
import io.imgtool.sysprep.TestRoots;
import io.imgtool.testdata.GuestTree;
import io.imgtool.sysprep.sample.UsedGuestTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Every operation on used Debian and RHEL trees (jimfs): what goes, what stays, idempotence, dry run. */
class SealOperationsTest {

    static Path guest(UsedGuestTree g) throws IOException {
        Path root = TestRoots.jimfs();
        g.build(root);
        return root;
    }

    static UsedGuestTree flavour(UsedGuestTree.Flavour f) {
        return f == UsedGuestTree.Flavour.DEBIAN ? UsedGuestTree.debian() : UsedGuestTree.rhel();
    }

    static SysprepReport seal(Path root) throws IOException {
        return Sysprep.builder().root(root).options(SysprepOptions.builder().random(new Random(1)).build()).run();
    }

    static boolean exists(Path root, String gp) {
        return Files.exists(root.resolve(gp.substring(1)), LinkOption.NOFOLLOW_LINKS);
    }

    static String read(Path root, String gp) throws IOException {
        return Files.readString(root.resolve(gp.substring(1)), StandardCharsets.ISO_8859_1);
    }

    static final List<String> COMMON_REMOVED = List.of(
            "/root/.bash_history", "/home/alice/.bash_history", "/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_ed25519_key.pub",
            "/var/lib/cloud/instances", "/var/lib/cloud/instance", "/var/lib/cloud/sem/config_scripts_per_once.once",
            "/var/lib/cloud/data/instance-id", "/var/log/cloud-init.log", "/var/log/cloud-init-output.log",
            "/var/log/wtmp", "/var/log/btmp", "/var/log/lastlog", "/var/log/faillog",
            "/var/log/journal/" + UsedGuestTree.MACHINE_ID, "/var/lib/systemd/random-seed", "/var/lib/logrotate.status",
            "/var/cache/man/index.db", "/etc/passwd-", "/etc/group-", "/etc/shadow-", "/etc/subuid-",
            "/tmp/build.log", "/tmp/.hidden-lock", "/tmp/.X11-unix", "/tmp/tmp.Xy12ab",
            "/var/tmp/systemd-private-0123-chronyd.service-abc", "/var/tmp/cloud-init",
            "/etc/apt/sources.list.bak", "/etc/ssh/sshd_config~", "/var/www/html/index.html.bak", "/srv/data/report.bak",
            "/root/notes.txt~", "/etc/blkid/blkid.tab",
            // link traps: the links go
            "/var/log/evil.log", "/var/log/trap.log.1", "/home/bob/.bash_history", "/tmp/hostlink", "/tmp/dotdot",
            "/var/tmp/escape");

    static final List<String> COMMON_KEPT = List.of(
            "/etc/passwd", "/etc/shadow", "/etc/group", "/etc/ssh/sshd_config", "/etc/cloud/cloud.cfg",
            "/var/lib/cloud/seed/nocloud/meta-data", "/var/lib/cloud/scripts/per-boot", "/usr/share/doc/example/changelog.bak",
            "/etc/bak-link.bak", "/.bash_history", "/home/mallory", "/home/alice/.ssh/authorized_keys",
            "/root/.ssh/authorized_keys", "/tmp", "/var/tmp", "/var/log", "/etc/machine-id", "/home/alice/.profile");

    @ParameterizedTest
    @EnumSource(UsedGuestTree.Flavour.class)
    void defaultSealRemovesWhatMakesAMachineUniqueAndKeepsTheRest(UsedGuestTree.Flavour f) throws IOException {
        Path root = guest(flavour(f));
        String passwd = read(root, "/etc/passwd");
        String shadow = read(root, "/etc/shadow");
        SysprepReport r = seal(root);
        assertThat(r.os().family()).isEqualTo(f == UsedGuestTree.Flavour.DEBIAN ? OsFamily.DEBIAN : OsFamily.RHEL);
        for (String p : COMMON_REMOVED) {
            assertThat(exists(root, p)).as(p).isFalse();
        }
        for (String p : COMMON_KEPT) {
            assertThat(exists(root, p)).as(p).isTrue();
        }
        // The traps' targets are untouched.
        assertThat(read(root, "/etc/passwd")).isEqualTo(passwd);
        assertThat(read(root, "/etc/shadow")).isEqualTo(shadow);
        assertThat(read(root, "/.bash_history")).contains("canary");
        assertThat(read(root, "/etc/machine-id")).isEmpty();
        Set<String> removed = paths(r, Change.Kind.REMOVED);
        assertThat(removed).doesNotContain("/etc/passwd", "/etc/shadow", "/etc", "/", "/.bash_history");
        if (f == UsedGuestTree.Flavour.DEBIAN) {
            for (String p : List.of("/var/log/syslog", "/var/log/syslog.1", "/var/log/syslog.2.gz", "/var/log/auth.log.1",
                    "/var/log/apt/history.log", "/var/log/installer/syslog", "/var/lib/dhcp/dhclient.eth0.leases",
                    "/var/lib/NetworkManager/internal-5a0c-eth0.lease", "/var/lib/NetworkManager/secret_key",
                    "/run/systemd/netif/leases/2", "/run/systemd/network/10-netplan-eth0.network",
                    "/var/cache/apt/archives/vim_9.0.1378-2_amd64.deb", "/var/cache/apt/archives/partial/curl_7.88.1-10_amd64.deb",
                    "/var/mail/alice", "/var/spool/cron/crontabs/alice", "/var/spool/cron/atjobs/a0000901ab2c3d",
                    "/var/crash/_usr_bin_vim.1000.crash", "/etc/gshadow-", "/etc/.git", "/var/log/account/pacct.0")) {
                assertThat(exists(root, p)).as(p).isFalse();
            }
            for (String p : List.of("/var/log/README", "/var/log/unattended-upgrades/unattended-upgrades.log",
                    "/etc/netplan/50-cloud-init.yaml", "/var/cache/apt/pkgcache.bin", "/var/cache/apt/archives/partial",
                    "/var/lib/apt/lists/lock", "/var/lib/NetworkManager/NetworkManager.state", "/etc/.etckeeper",
                    "/var/lib/snapd/state.json", "/var/spool/mail", "/var/lib/dbus/machine-id")) {
                assertThat(exists(root, p)).as(p).isTrue();
            }
            assertThat(Files.isSymbolicLink(root.resolve("var/lib/dbus/machine-id"))).isTrue();
            assertThat(read(root, "/var/spool/cron/atjobs/.SEQ")).isEqualTo("00000\n");
            assertThat(read(root, "/var/log/account/pacct")).isEmpty();
            assertThat(paths(r, Change.Kind.TRUNCATED)).contains("/etc/machine-id", "/var/log/account/pacct");
            // cloud-init is installed: it makes host keys, so no first-boot unit.
            assertThat(exists(root, "/etc/systemd/system/" + SshHostkeys.UNIT)).isFalse();
        } else {
            for (String p : List.of("/var/log/messages", "/var/log/messages-20241117", "/var/log/secure", "/var/log/audit/audit.log",
                    "/var/log/anaconda/anaconda.log", "/root/anaconda-ks.cfg", "/root/original-ks.cfg", "/var/lib/dhclient/dhclient--eth0.lease",
                    "/var/lib/dhcpd/dhcpd.leases", "/var/cache/dnf/baseos-0123456789abcdef/packages/vim-enhanced-9.0-1.el9.x86_64.rpm",
                    "/var/cache/dnf/expired_repos.json", "/var/lib/rpm/__db.001",
                    "/var/lib/yum/uuid", "/var/spool/mail/alice", "/var/spool/cron/alice", "/var/spool/at/a00002019a8b7c",
                    "/var/spool/abrt/ccpp-2024-11-01-10:00:00-1234", "/etc/krb5.keytab", "/etc/ipa/default.conf",
                    "/etc/pki/ca-trust/source/anchors/ipa-ca.crt", "/var/lib/sss/db/cache_example.org.ldb", "/var/log/sssd/sssd.log",
                    "/var/lib/samba/private/secrets.tdb", "/var/lib/samba/registry.tdb", "/var/lib/dovecot/instances",
                    "/var/lib/puppet/state/last_run_summary.yaml", "/var/lib/puppet/ssl/certs/template-host.pem", "/etc/pki/consumer/cert.pem",
                    "/etc/pki/entitlement/1234567890.pem", "/etc/sysconfig/rhn/systemid", "/etc/smolt/uuid",
                    "/etc/lvm/devices/system.devices", "/etc/NetworkManager/system-connections/eth0.nmconnection",
                    "/etc/udev/rules.d/70-persistent-net.rules", "/var/account/pacct-20241117", "/var/lib/dbus/machine-id")) {
                assertThat(exists(root, p)).as(p).isFalse();
            }
            for (String p : List.of("/var/lib/rpm/rpmdb.sqlite", "/var/cache/dnf/baseos-0123456789abcdef/empty",
                    "/var/lib/samba/private", "/etc/pki/tls/certs/localhost.crt", "/etc/sysconfig/network-scripts/ifcfg-lo",
                    "/var/cache/yum/x86_64/9/timedhosts.txt")) {
                assertThat(exists(root, p)).as(p).isTrue();
            }
            assertThat(read(root, "/etc/sysconfig/network-scripts/ifcfg-eth0"))
                    .isEqualTo("TYPE=Ethernet\nBOOTPROTO=dhcp\nDEVICE=eth0\nONBOOT=yes\n");
            assertThat(read(root, "/var/spool/at/.SEQ")).isEqualTo("00000\n");
            assertThat(read(root, "/var/account/pacct")).isEmpty();
            // ipa-client removed a CA certificate: the store is rebuilt by a first-boot unit.
            assertThat(read(root, "/etc/systemd/system/" + CaTrust.UNIT)).contains("ExecStart=-/usr/bin/update-ca-trust extract");
            assertThat(Files.isSymbolicLink(root.resolve("etc/systemd/system/multi-user.target.wants/" + CaTrust.UNIT))).isTrue();
        }
    }

    @Test
    void debianWithoutCloudInitGetsAKeygenUnitEnabledLikeSystemctl() throws IOException {
        Path root = guest(UsedGuestTree.debian().cloudInit(false));
        SysprepReport r = seal(root);
        Path unit = root.resolve("etc/systemd/system/" + SshHostkeys.UNIT);
        assertThat(Files.readString(unit)).contains("ExecStart=/usr/bin/ssh-keygen -A", "Before=ssh.service",
                "WantedBy=multi-user.target", "systemctl disable " + SshHostkeys.UNIT);
        Path wants = root.resolve("etc/systemd/system/multi-user.target.wants/" + SshHostkeys.UNIT);
        assertThat(Files.isSymbolicLink(wants)).isTrue();
        assertThat(Files.readSymbolicLink(wants).toString()).isEqualTo("/etc/systemd/system/" + SshHostkeys.UNIT);
        assertThat(paths(r, Change.Kind.CREATED)).contains("/etc/systemd/system/" + SshHostkeys.UNIT,
                "/etc/systemd/system/multi-user.target.wants/" + SshHostkeys.UNIT);
        // No SSH server, or the Red Hat family (sshd-keygen), or cloud-init: no unit.
        for (UsedGuestTree g : List.of(UsedGuestTree.debian().cloudInit(false).sshServer(false), UsedGuestTree.rhel().cloudInit(false),
                UsedGuestTree.debian())) {
            Path other = guest(g);
            seal(other);
            assertThat(exists(other, "/etc/systemd/system/" + SshHostkeys.UNIT)).isFalse();
        }
    }

    static Stream<Arguments> everyOperationOnBothFamilies() {
        List<Arguments> out = new ArrayList<>();
        for (Operation op : Registry.standard().all()) {
            for (UsedGuestTree.Flavour f : UsedGuestTree.Flavour.values()) {
                out.add(Arguments.of(op.name(), f));
            }
        }
        return out.stream();
    }

    /** Ops expected to find something to do in the used trees, per family. */
    static final Map<UsedGuestTree.Flavour, Set<String>> ACTIVE = Map.of(
            UsedGuestTree.Flavour.DEBIAN, Set.of("apt-lists", "backup-files", "bash-history", "blkid-tab", "cloud-init", "crash-data",
                    "cron-spool", "dhcp-client-state", "etckeeper", "logfiles", "machine-id", "mail-spool", "network-state",
                    "pacct-log", "package-manager-cache", "passwd-backups", "random-seed", "snapd-state", "ssh-hostkeys",
                    "ssh-userdir", "tmp-files", "user-account"),
            UsedGuestTree.Flavour.RHEL, Set.of("abrt-data", "backup-files", "bash-history", "blkid-tab", "ca-certificates", "cloud-init",
                    "cron-spool", "dhcp-client-state", "dhcp-server-state", "dovecot-data", "ipa-client", "kerberos-hostkeytab",
                    "logfiles", "lvm-system-devices", "machine-id", "mail-spool", "net-hostname", "net-hwaddr", "net-nmconn",
                    "network-state", "pacct-log", "package-manager-cache", "passwd-backups", "puppet-data-log", "random-seed",
                    "rh-subscription-manager", "rhn-systemid", "rpm-db", "samba-db-log", "smolt-uuid", "ssh-hostkeys",
                    "ssh-userdir", "sssd-db-log", "tmp-files", "udev-persistent-net", "user-account", "yum-uuid"));

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("everyOperationOnBothFamilies")
    void eachOperationAloneTouchesOnlyItsDeclaredPathsAndIsIdempotent(String name, UsedGuestTree.Flavour f) throws IOException {
        Path root = guest(flavour(f));
        Operation op = Registry.standard().find(name).orElseThrow();
        SysprepReport first = Sysprep.builder().root(root).operations(List.of(op))
                .options(SysprepOptions.builder().random(new Random(2)).build()).run();
        String after = GuestTree.hash(root);
        if (ACTIVE.get(f).contains(name)) {
            assertThat(first.changes()).as(name + " changes on " + f).isNotEmpty();
        } else {
            assertThat(first.changes()).as(name + " changes on " + f).isEmpty();
        }
        if (!name.equals("user-account") && !name.equals("customize")) {
            OsFamily family = first.os().family();
            List<Pattern> declared = op.paths(family).stream().map(SealOperationsTest::regex).toList();
            for (Change c : first.changes()) {
                assertThat(coveredBy(c.path(), declared)).as(c + " declared in " + op.paths(family)).isTrue();
            }
        }
        SysprepReport second = Sysprep.builder().root(root).operations(List.of(op))
                .options(SysprepOptions.builder().random(new Random(3)).build()).run();
        assertThat(second.changes()).as("second run of " + name).isEmpty();
        assertThat(GuestTree.hash(root)).isEqualTo(after);
    }

    @ParameterizedTest
    @EnumSource(UsedGuestTree.Flavour.class)
    void allOperationsTwiceChangeNothingTheSecondTime(UsedGuestTree.Flavour f) throws IOException {
        Path root = guest(flavour(f).cloudInit(false));
        Selection all = Selection.defaults().operations("all");
        SysprepReport first = Sysprep.builder().root(root).selection(all).run();
        assertThat(first.changes()).isNotEmpty();
        String hash = GuestTree.hash(root);
        SysprepReport second = Sysprep.builder().root(root).selection(all).run();
        assertThat(second.changes()).isEmpty();
        assertThat(GuestTree.hash(root)).isEqualTo(hash);
    }

    @ParameterizedTest
    @EnumSource(UsedGuestTree.Flavour.class)
    void dryRunChangesNoByteAndReportsExactlyWhatTheRealRunDoes(UsedGuestTree.Flavour f) throws IOException {
        Path root = guest(flavour(f).cloudInit(false));
        Map<String, GuestTree.Node> before = GuestTree.list(root);
        String hash = GuestTree.hash(root);
        Selection all = Selection.defaults().operations("all");
        SysprepReport dry = Sysprep.builder().root(root).selection(all).dryRun(true)
                .options(SysprepOptions.builder().random(new Random(7)).build()).run();
        assertThat(GuestTree.list(root)).isEqualTo(before);
        assertThat(GuestTree.hash(root)).isEqualTo(hash);
        assertThat(dry.dryRun()).isTrue();
        SysprepReport real = Sysprep.builder().root(root).selection(all)
                .options(SysprepOptions.builder().random(new Random(7)).build()).run();
        assertThat(dry.changes()).isEqualTo(real.changes());
        assertThat(real.changes()).hasSizeGreaterThan(100);
    }

    static Set<String> paths(SysprepReport r, Change.Kind kind) {
        return r.changes(kind).stream().map(Change::path).collect(Collectors.toSet());
    }

    /** A declared path as a regex: '**' any depth, '*' and '?' within one component. */
    static Pattern regex(String glob) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (glob.startsWith("**/", i)) {
                sb.append("(.*/)?");
                i += 2;
            } else if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                sb.append(".*");
                i++;
            } else if (c == '*') {
                sb.append("[^/]*");
            } else if (c == '?') {
                sb.append("[^/]");
            } else {
                sb.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(sb.toString());
    }

    /** Whether the path or one of its parents matches a declared pattern (rm -rf removes children). */
    static boolean coveredBy(String path, List<Pattern> declared) {
        for (String p = path; !p.isEmpty(); p = p.substring(0, Math.max(0, p.lastIndexOf('/')))) {
            String q = p;
            if (declared.stream().anyMatch(d -> d.matcher(q).matches())) {
                return true;
            }
            // /var/run/... is declared but /run/... is where it lives
            if (q.startsWith("/run/") && declared.stream().anyMatch(d -> d.matcher("/var" + q).matches())) {
                return true;
            }
        }
        return false;
    }
}
