package io.imgtool.sysprep.sample;

import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.sysprep.GuestFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds, below any {@link Path} root (jimfs or a host directory), the root filesystem of a Linux
 * guest that has been used: logs and their rotations, shell history, DHCP, NetworkManager and
 * networkd leases, cloud-init instance state, a machine-id, SSH host keys, package caches, temporary
 * files, mail and cron spools, crash data, backup files, and traps: links that point at
 * {@code /etc/passwd}, at {@code /} or out of the tree, which a sealing tool must remove as links
 * and never follow on the host.
 *
 * <p>Two flavours: {@link #debian()} (Debian 12 with systemd, merged /usr, optional cloud-init) and
 * {@link #rhel()} (RHEL 9 with dnf and ifcfg files). The content is fixed: the same tree every time.
 * Entries are written in order and links last, so building never writes through a link.
 *
 * <p>The generator behind {@code imgtool sample --guest} and the tests' used guest.
 */
public final class UsedGuestTree {

    /** The distribution flavour. */
    public enum Flavour { DEBIAN, RHEL }

    /** A machine-id of the template (32 hex digits). */
    public static final String MACHINE_ID = "4b1d2a7c9e0f41d3a5b6c7d8e9f00112";

    private final Flavour flavour;
    private boolean cloudInit = true;
    private boolean sshServer = true;
    private boolean rootLinkTrap = true;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, String> links = new LinkedHashMap<>();

    private record Entry(boolean dir, byte[] content, int mode, int uid, int gid) {
    }

    private UsedGuestTree(Flavour flavour) {
        this.flavour = flavour;
    }

    /** A used Debian 12 guest (cloud-init and an SSH server installed). */
    public static UsedGuestTree debian() {
        return new UsedGuestTree(Flavour.DEBIAN);
    }

    /** A used RHEL 9 guest. */
    public static UsedGuestTree rhel() {
        return new UsedGuestTree(Flavour.RHEL);
    }

    /** Whether cloud-init is installed (default true). */
    public UsedGuestTree cloudInit(boolean on) {
        cloudInit = on;
        return this;
    }

    /** Whether an SSH server is installed (default true). */
    public UsedGuestTree sshServer(boolean on) {
        sshServer = on;
        return this;
    }

    /**
     * Whether /var/tmp/escape, a link to "/", is made (default true). virt-sysprep's tmp-files
     * stops with an error on it (rm refuses to remove "/" recursively), so the comparison with
     * virt-sysprep builds the tree without it.
     */
    public UsedGuestTree rootLinkTrap(boolean on) {
        rootLinkTrap = on;
        return this;
    }

    public Flavour flavour() {
        return flavour;
    }

    /**
     * Guest paths of the link traps: each is a symbolic link (or lies below one) whose target must
     * survive sealing untouched.
     */
    public static List<String> trapLinks() {
        return List.of("/var/log/evil.log", "/var/log/trap.log.1", "/home/bob/.bash_history", "/home/mallory",
                "/tmp/hostlink", "/tmp/dotdot", "/var/tmp/escape", "/etc/bak-link.bak");
    }

    /** Builds the tree below {@code root}, which must exist and be empty. */
    public void build(Path root) throws IOException {
        entries.clear();
        links.clear();
        if (flavour == Flavour.DEBIAN) {
            debianTree();
        } else {
            rhelTree();
        }
        common();
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            Path p = root.resolve(e.getKey().substring(1));
            Entry en = e.getValue();
            if (en.dir) {
                Files.createDirectories(p);
            } else {
                Files.createDirectories(p.getParent());
                Files.write(p, en.content);
            }
        }
        // Owners and modes after every entry exists (a 0700 directory would not stop root, but keep it simple).
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            Path p = root.resolve(e.getKey().substring(1));
            Entry en = e.getValue();
            setOwner(p, en.uid, en.gid);
            setMode(p, en.mode);
        }
        for (Map.Entry<String, String> l : links.entrySet()) {
            Path p = root.resolve(l.getKey().substring(1));
            Files.createDirectories(p.getParent());
            Files.createSymbolicLink(p, p.getFileSystem().getPath(l.getValue()));
        }
    }

    // ---- the trees -------------------------------------------------------------------------------

    private void debianTree() {
        dir("/usr/lib", 0755);
        file("/usr/lib/os-release", """
                PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
                NAME="Debian GNU/Linux"
                VERSION_ID="12"
                VERSION="12 (bookworm)"
                VERSION_CODENAME=bookworm
                ID=debian
                HOME_URL="https://www.debian.org/"
                """);
        link("/etc/os-release", "../usr/lib/os-release");
        file("/etc/debian_version", "12.7\n");
        file("/usr/lib/systemd/systemd", "\177ELF fake systemd\n", 0755);
        file("/usr/lib/systemd/system/ssh.service", "[Unit]\nDescription=OpenBSD Secure Shell server\n");
        file("/etc/hostname", "template-host\n");
        file("/etc/hosts", "127.0.0.1\tlocalhost\n127.0.1.1\ttemplate-host.example.org template-host\n\n"
                + "# The following lines are desirable for IPv6 capable hosts\n::1     localhost ip6-localhost ip6-loopback\n");
        file("/etc/shadow", shadow(), 0640, 0, 42);
        file("/etc/shadow-", shadow(), 0640, 0, 42);
        file("/etc/gshadow", "root:*::\nshadow:*::\nalice:!::\nbob:!::\n", 0640, 0, 42);
        file("/etc/gshadow-", "root:*::\nshadow:*::\nalice:!::\n", 0640, 0, 42);
        link("/var/lib/dbus/machine-id", "/etc/machine-id");
        // Logs of a Debian system.
        file("/var/log/syslog", "Nov 23 09:00:01 template-host systemd[1]: Started session.\n", 0640, 0, 4);
        file("/var/log/syslog.1", "Nov 22 09:00:01 template-host CRON[1]: (root) CMD (run-parts)\n", 0640, 0, 4);
        file("/var/log/syslog.2.gz", "\037\213 gzip bytes", 0640, 0, 4);
        file("/var/log/auth.log", "sshd[812]: Accepted publickey for alice from 192.0.2.7\n", 0640, 0, 4);
        file("/var/log/auth.log.1", "sudo: alice : COMMAND=/bin/bash\n", 0640, 0, 4);
        file("/var/log/kern.log", "kernel: Linux version 6.1\n", 0640, 0, 4);
        file("/var/log/dpkg.log", "2024-11-01 install openssh-server\n");
        file("/var/log/alternatives.log", "update-alternatives: link editor\n");
        file("/var/log/apt/history.log", "Start-Date: 2024-11-01\nCommandline: apt install vim\n");
        file("/var/log/apt/term.log", "Setting up vim\n", 0640, 0, 4);
        file("/var/log/apt/eipp.log.xz", "\3757zXZ bytes", 0600);
        file("/var/log/installer/syslog", "d-i: installation log\n", 0600);
        file("/var/log/unattended-upgrades/unattended-upgrades.log", "No packages found that can be upgraded\n");
        file("/var/log/README", "You are looking for the traditional text log files in /var/log, right?\n");
        file("/var/log/private/.keep", "");
        dir("/var/log/private", 0700);
        file("/var/log/account/pacct", "pacct records", 0640, 0, 4);
        file("/var/log/account/pacct.0", "older pacct records", 0640, 0, 4);
        // Network state.
        file("/var/lib/dhcp/dhclient.eth0.leases", "lease {\n  interface \"eth0\";\n  fixed-address 192.0.2.50;\n}\n");
        file("/var/lib/NetworkManager/internal-5a0c-eth0.lease", "ADDRESS=192.0.2.51\n");
        file("/var/lib/NetworkManager/secret_key", "0123456789abcdef0123456789abcdef", 0600);
        file("/var/lib/NetworkManager/timestamps", "[timestamps]\n5a0c=1700000000\n");
        file("/var/lib/NetworkManager/NetworkManager.state", "[main]\nNetworkingEnabled=true\n");
        file("/run/systemd/netif/leases/2", "ADDRESS=192.0.2.52\nSERVER_ADDRESS=192.0.2.1\n");
        file("/run/systemd/network/10-netplan-eth0.network", "[Match]\nName=eth0\n[Network]\nDHCP=ipv4\n");
        file("/etc/netplan/50-cloud-init.yaml", "network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n", 0600);
        // Package manager.
        file("/var/cache/apt/archives/vim_9.0.1378-2_amd64.deb", "!<arch>\ndebian-binary deb bytes");
        file("/var/cache/apt/archives/lock", "", 0640);
        dir("/var/cache/apt/archives/partial", 0700);
        file("/var/cache/apt/archives/partial/curl_7.88.1-10_amd64.deb", "partial download");
        file("/var/cache/apt/pkgcache.bin", "apt binary cache");
        file("/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages",
                "Package: vim\nVersion: 2:9.0.1378-2\n");
        file("/var/lib/apt/lists/lock", "", 0640);
        dir("/var/lib/apt/lists/partial", 0700);
        // Spools.
        file("/var/mail/alice", "From root@template-host\nSubject: cron output\n\nhello\n", 0660, 1000, 8);
        link("/var/spool/mail", "../mail");
        file("/var/spool/cron/crontabs/alice", "0 * * * * /home/alice/bin/job\n", 0600, 1000, 102);
        file("/var/spool/cron/atjobs/.SEQ", "0000a\n", 0600, 1, 1);
        file("/var/spool/cron/atjobs/a0000901ab2c3d", "#!/bin/sh\necho at job\n", 0700, 1000, 1);
        dir("/var/spool/cron/atspool", 01770);
        file("/var/crash/_usr_bin_vim.1000.crash", "ProblemType: Crash\n", 0640, 1000, 0);
        // etckeeper and snapd.
        file("/etc/.etckeeper", "mkdir -p './apt'\n", 0600);
        file("/etc/.git/HEAD", "ref: refs/heads/master\n", 0600);
        file("/etc/.git/config", "[core]\n\trepositoryformatversion = 0\n", 0600);
        file("/etc/.git/objects/ab/cdef0123456789", "x\001blob with old /etc/ssh/ssh_host_ed25519_key", 0400);
        file("/var/lib/snapd/seed/seed.yaml", "snaps:\n  - name: core22\n");
        file("/var/lib/snapd/state.json", "{\"data\":{\"device\":{\"serial\":\"1234\"}}}", 0600);
        file("/var/lib/snapd/device/private-keys-v1/abc", "device private key", 0600);
        if (cloudInit) {
            file("/usr/bin/cloud-init", "#!/usr/bin/python3\n", 0755);
        }
        if (sshServer) {
            file("/usr/sbin/sshd", "\177ELF fake sshd\n", 0755);
        }
    }

    private void rhelTree() {
        file("/etc/os-release", """
                NAME="Red Hat Enterprise Linux"
                VERSION="9.4 (Plow)"
                ID="rhel"
                ID_LIKE="fedora"
                VERSION_ID="9.4"
                PLATFORM_ID="platform:el9"
                PRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"
                """);
        file("/etc/redhat-release", "Red Hat Enterprise Linux release 9.4 (Plow)\n");
        file("/usr/lib/systemd/systemd", "\177ELF fake systemd\n", 0755);
        file("/etc/hostname", "template-host.example.org\n");
        file("/etc/hosts", "127.0.0.1   localhost localhost.localdomain\n::1         localhost localhost.localdomain\n"
                + "192.0.2.10  template-host.example.org template-host\n");
        file("/etc/shadow", shadow(), 0, 0, 0);
        file("/etc/shadow-", shadow(), 0, 0, 0);
        file("/etc/gshadow", "root:::\nalice:!::\nbob:!::\n", 0, 0, 0);
        file("/var/lib/dbus/machine-id", MACHINE_ID + "\n", 0444);
        file("/etc/sysconfig/network-scripts/ifcfg-eth0", "TYPE=Ethernet\nBOOTPROTO=dhcp\nDEVICE=eth0\n"
                + "HWADDR=52:54:00:12:34:56\nHOSTNAME=template-host\nDHCP_HOSTNAME=template-host\nONBOOT=yes\n");
        file("/etc/sysconfig/network-scripts/ifcfg-lo", "DEVICE=lo\nIPADDR=127.0.0.1\nONBOOT=yes\n");
        file("/etc/NetworkManager/system-connections/eth0.nmconnection",
                "[connection]\nid=eth0\ntype=ethernet\n[ethernet]\nmac-address=52:54:00:12:34:56\n", 0600);
        file("/etc/udev/rules.d/70-persistent-net.rules",
                "SUBSYSTEM==\"net\", ATTR{address}==\"52:54:00:12:34:56\", NAME=\"eth0\"\n");
        file("/var/log/messages", "Nov 23 09:00:01 template-host systemd[1]: Started.\n", 0600);
        file("/var/log/messages-20241117", "older messages\n", 0600);
        file("/var/log/secure", "sshd[812]: Accepted publickey for alice\n", 0600);
        file("/var/log/cron", "CROND[2]: (root) CMD (run-parts /etc/cron.hourly)\n", 0600);
        file("/var/log/maillog", "postfix/master: daemon started\n", 0600);
        file("/var/log/dnf.log", "DEBUG dnf version: 4.14\n");
        file("/var/log/dnf.rpm.log", "SUBDEBUG Installed: vim\n");
        file("/var/log/audit/audit.log", "type=USER_LOGIN msg=audit(1700000000.1:100): uid=0\n", 0600);
        file("/var/log/anaconda/anaconda.log", "anaconda: installation\n", 0600);
        file("/var/log/rhsm/rhsm.log", "subscription-manager: registered\n", 0644);
        file("/var/log/tuned/tuned.log", "tuned: started\n");
        file("/var/log/sa/sa23", "sysstat data", 0644);
        file("/root/anaconda-ks.cfg", "#version=RHEL9\nrootpw --iscrypted $6$x\n", 0600);
        file("/root/original-ks.cfg", "#version=RHEL9\n", 0600);
        file("/var/account/pacct", "pacct records", 0600);
        file("/var/account/pacct-20241117", "older pacct records", 0600);
        file("/var/lib/dhclient/dhclient--eth0.lease", "lease { fixed-address 192.0.2.60; }\n");
        file("/var/lib/NetworkManager/internal-77aa-eth0.lease", "ADDRESS=192.0.2.61\n");
        file("/var/lib/NetworkManager/secret_key", "fedcba9876543210fedcba9876543210", 0600);
        file("/var/lib/dhcpd/dhcpd.leases", "lease 192.0.2.100 { hardware ethernet 52:54:00:aa:bb:cc; }\n");
        file("/var/cache/dnf/baseos-0123456789abcdef/packages/vim-enhanced-9.0-1.el9.x86_64.rpm", "rpm bytes");
        file("/var/cache/dnf/baseos-0123456789abcdef/repodata/repomd.xml", "<repomd/>\n");
        file("/var/cache/dnf/expired_repos.json", "[]");
        dir("/var/cache/dnf/baseos-0123456789abcdef/empty", 0755);
        file("/var/cache/yum/x86_64/9/timedhosts.txt", "mirror 0.1\n");
        file("/var/lib/rpm/__db.001", "bdb env", 0644);
        file("/var/lib/rpm/__db.002", "bdb env", 0644);
        file("/var/lib/rpm/rpmdb.sqlite", "SQLite format 3\0", 0644);
        file("/var/lib/yum/uuid", "1f2e3d4c-5b6a-7980-a1b2-c3d4e5f60718\n");
        file("/var/spool/mail/alice", "From root\nSubject: hello\n\nbody\n", 0660, 1000, 12);
        link("/var/mail", "spool/mail");
        file("/var/spool/cron/alice", "0 * * * * /home/alice/bin/job\n", 0600, 1000, 1000);
        file("/var/spool/at/.SEQ", "00003\n", 0600, 0, 0);
        file("/var/spool/at/a00002019a8b7c", "#!/bin/sh\necho at\n", 0700, 1000, 1000);
        dir("/var/spool/at/spool", 0700);
        file("/var/spool/abrt/ccpp-2024-11-01-10:00:00-1234/coredump", "core bytes", 0640);
        file("/var/spool/abrt/last-ccpp", "2024-11-01", 0644);
        file("/etc/krb5.keytab", "keytab bytes", 0600);
        file("/etc/ipa/default.conf", "[global]\nrealm = EXAMPLE.ORG\n");
        file("/etc/ipa/ca.crt", "-----BEGIN CERTIFICATE-----\n");
        file("/etc/pki/ca-trust/source/anchors/ipa-ca.crt", "-----BEGIN CERTIFICATE-----\n");
        file("/var/lib/ipa-client/sysrestore/sysrestore.state", "[statestore]\n");
        file("/var/lib/sss/db/cache_example.org.ldb", "ldb bytes", 0600);
        file("/var/log/sssd/sssd.log", "sssd started\n", 0600);
        file("/var/lib/samba/private/secrets.tdb", "tdb bytes", 0600);
        file("/var/lib/samba/registry.tdb", "tdb bytes", 0600);
        file("/var/log/samba/log.smbd", "smbd started\n");
        file("/var/lib/dovecot/instances", "dovecot instances\n");
        file("/var/lib/puppet/state/last_run_summary.yaml", "version: 1\n");
        file("/var/lib/puppet/ssl/certs/template-host.pem", "-----BEGIN CERTIFICATE-----\n");
        file("/var/log/puppet/puppet.log", "puppet ran\n");
        file("/etc/pki/consumer/cert.pem", "consumer cert", 0644);
        file("/etc/pki/consumer/key.pem", "consumer key", 0640);
        file("/etc/pki/entitlement/1234567890.pem", "entitlement", 0644);
        file("/etc/sysconfig/rhn/systemid", "<?xml version=\"1.0\"?>\n", 0600);
        file("/etc/smolt/uuid", "smolt-uuid\n");
        file("/etc/lvm/devices/system.devices", "VERSION=1.1.1\nIDTYPE=sys_wwid IDNAME=naa.1234\n");
        file("/etc/pki/tls/certs/ca-bundle.crt", "bundle\n");
        file("/etc/pki/tls/certs/localhost.crt", "-----BEGIN CERTIFICATE-----\n");
        file("/etc/pki/tls/private/localhost.key", "-----BEGIN PRIVATE KEY-----\n", 0600);
        if (sshServer) {
            file("/usr/sbin/sshd", "\177ELF fake sshd\n", 0755);
        }
        if (cloudInit) {
            file("/usr/bin/cloud-init", "#!/usr/bin/python3\n", 0755);
        }
    }

    private void common() {
        dir("/usr/bin", 0755);
        dir("/usr/sbin", 0755);
        link("/bin", "usr/bin");
        link("/sbin", "usr/sbin");
        link("/lib", "usr/lib");
        dir("/run", 0755);
        link("/var/run", "/run");
        dir("/dev", 0755);
        dir("/etc/systemd/system/multi-user.target.wants", 0755);
        dir("/proc", 0555);
        dir("/sys", 0555);
        file("/usr/bin/ssh-keygen", "\177ELF fake ssh-keygen\n", 0755);
        file("/etc/fstab", "/dev/sda / ext4 defaults 0 1\n");
        file("/etc/passwd", """
                root:x:0:0:root:/root:/bin/bash
                daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
                nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
                alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash
                bob:x:1001:1001:Bob,,,:/home/bob:/bin/bash
                """);
        file("/etc/passwd-", "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n");
        file("/etc/group", "root:x:0:\ndaemon:x:1:\nadm:x:4:alice\nshadow:x:42:\nsudo:x:27:alice\nalice:x:1000:\nbob:x:1001:\n");
        file("/etc/group-", "root:x:0:\nalice:x:1000:\n");
        file("/etc/subuid", "alice:100000:65536\n");
        file("/etc/subuid-", "alice:100000:65536\n");
        file("/etc/login.defs", "MAIL_DIR        /var/mail\nUID_MIN                  1000\nUID_MAX                 60000\n");
        file("/etc/machine-id", MACHINE_ID + "\n", 0444);
        file("/etc/cloud/cloud.cfg", "users:\n  - default\ndisable_root: true\n");
        file("/etc/cloud/cloud.cfg.d/90_dpkg.cfg", "datasource_list: [ NoCloud, None ]\n");
        // SSH host keys (fake key material), the server configuration stays.
        file("/etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\n");
        for (String t : List.of("rsa", "ecdsa", "ed25519")) {
            file("/etc/ssh/ssh_host_" + t + "_key", "-----BEGIN OPENSSH PRIVATE KEY-----\n" + t + "\n", 0600);
            file("/etc/ssh/ssh_host_" + t + "_key.pub", "ssh-" + t + " AAAA template-host\n");
        }
        // cloud-init state of the instance the template ran as.
        file("/var/lib/cloud/instances/i-0123456789abcdef/boot-finished", "1700000000.00 - v. 22.4.2\n");
        file("/var/lib/cloud/instances/i-0123456789abcdef/user-data.txt", "#cloud-config\npassword: secret\n", 0600);
        file("/var/lib/cloud/instances/i-0123456789abcdef/sem/config_ssh", "1700000000\n");
        link("/var/lib/cloud/instance", "/var/lib/cloud/instances/i-0123456789abcdef");
        file("/var/lib/cloud/sem/config_scripts_per_once.once", "1700000000\n");
        file("/var/lib/cloud/data/instance-id", "i-0123456789abcdef\n");
        file("/var/lib/cloud/data/previous-instance-id", "i-0123456789abcdef\n");
        file("/var/lib/cloud/data/status.json", "{\"v1\": {}}\n");
        file("/var/lib/cloud/seed/nocloud/meta-data", "instance-id: seed\n");
        dir("/var/lib/cloud/scripts/per-boot", 0755);
        file("/var/log/cloud-init.log", "cloud-init: finished\n", 0640, 0, 4);
        file("/var/log/cloud-init-output.log", "Cloud-init v. 22.4.2 finished\n", 0640, 0, 4);
        // Login records and the journal.
        file("/var/log/wtmp", "wtmp records", 0664, 0, 43);
        file("/var/log/btmp", "btmp records", 0660, 0, 43);
        file("/var/log/lastlog", "lastlog records", 0664, 0, 43);
        file("/var/log/faillog", "faillog records", 0644);
        file("/var/log/journal/" + MACHINE_ID + "/system.journal", "LPKSHHRH journal", 0640, 0, 101);
        file("/var/log/journal/" + MACHINE_ID + "/user-1000.journal", "LPKSHHRH journal", 0640, 0, 101);
        file("/var/lib/systemd/random-seed", "0123456789abcdef".repeat(32), 0600);
        file("/var/lib/logrotate.status", "logrotate state -- version 2\n");
        file("/var/cache/man/index.db", "man index");
        // Users.
        dir("/root", 0700);
        file("/root/.bash_history", "ls\ncat /etc/shadow\nhistory -c\n", 0600);
        file("/root/.ssh/authorized_keys", "ssh-ed25519 AAAA builder@ci\n", 0600);
        dir("/root/.ssh", 0700);
        file("/root/notes.txt~", "editor backup\n", 0600);
        dir("/home", 0755);
        file("/home/alice/.bash_history", "sudo -i\nssh db1\n", 0600, 1000, 1000);
        file("/home/alice/.profile", "# ~/.profile\n", 0644, 1000, 1000);
        file("/home/alice/.ssh/authorized_keys", "ssh-ed25519 AAAA alice@laptop\n", 0600, 1000, 1000);
        file("/home/alice/.ssh/id_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\n", 0600, 1000, 1000);
        dir("/home/alice/.ssh", 0700, 1000, 1000);
        dir("/home/alice", 0750, 1000, 1000);
        dir("/home/bob", 0750, 1001, 1001);
        file("/home/bob/.profile", "# ~/.profile\n", 0644, 1001, 1001);
        // Temporary files, hidden ones too.
        dir("/tmp", 01777);
        file("/tmp/build.log", "make: *** [all] Error 2\n");
        file("/tmp/.hidden-lock", "1234\n");
        dir("/tmp/.X11-unix", 01777);
        file("/tmp/tmp.Xy12ab/secret", "temporary secret\n", 0600);
        dir("/var/tmp", 01777);
        file("/var/tmp/systemd-private-0123-chronyd.service-abc/tmp/file", "x");
        file("/var/tmp/cloud-init/cloud-init-dhcp-abc/dhcp.leases", "lease\n");
        // Backup files, inside and outside the trees backup-files searches.
        file("/etc/apt/sources.list.bak", "deb http://old.mirror/debian bookworm main\n");
        file("/etc/ssh/sshd_config~", "PermitRootLogin yes\n");
        file("/var/www/html/index.html.bak", "<html>old</html>\n");
        file("/srv/data/report.bak", "old report\n");
        file("/usr/share/doc/example/changelog.bak", "kept: /usr is not searched\n");
        file("/etc/blkid/blkid.tab", "<device DEVNO=\"0x0801\" UUID=\"1234\">/dev/sda1</device>\n");
        // A canary the /home/mallory trap must not reach.
        file("/.bash_history", "canary: must survive\n", 0600);
        // Link traps: removing them must remove the links, never their targets.
        link("/var/log/evil.log", "/etc/passwd");
        link("/var/log/trap.log.1", "../../etc/shadow");
        link("/home/bob/.bash_history", "/etc/shadow");
        link("/home/mallory", "/");
        link("/tmp/hostlink", "/etc");
        link("/tmp/dotdot", "../../../../../../../../etc/passwd");
        if (rootLinkTrap) {
            link("/var/tmp/escape", "../../../../../../..");
        }
        link("/etc/bak-link.bak", "/etc/passwd");
    }

    private static String shadow() {
        return "root:$6$rootsalt$R00tHashR00tHash:19700:0:99999:7:::\n"
                + "daemon:*:19700:0:99999:7:::\n"
                + "nobody:*:19700:0:99999:7:::\n"
                + "alice:$6$alicesalt$AliceHashAliceHash:19700:0:99999:7:::\n"
                + "bob:!:19700:0:99999:7:::\n";
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private void file(String path, String content) {
        file(path, content, 0644);
    }

    private void file(String path, String content, int mode) {
        file(path, content, mode, 0, 0);
    }

    private void file(String path, String content, int mode, int uid, int gid) {
        entries.put(path, new Entry(false, content.getBytes(StandardCharsets.UTF_8), mode, uid, gid));
    }

    private void dir(String path, int mode) {
        dir(path, mode, 0, 0);
    }

    private void dir(String path, int mode, int uid, int gid) {
        entries.put(path, new Entry(true, null, mode, uid, gid));
    }

    private void link(String path, String target) {
        links.put(path, target);
    }

    /** Sets the numeric owner as sealing does ({@link GuestFiles#setOwnerRaw}); a host run without root keeps its own. */
    static void setOwner(Path p, int uid, int gid) throws IOException {
        try {
            GuestFiles.setOwnerRaw(p, uid, gid);
        } catch (java.nio.file.FileSystemException e) {
            // not root on a host: keep the builder's owner
        } catch (UnsupportedFeatureException e) {
            // a filesystem without owners
        }
    }

    /** Sets the permission bits as sealing does ({@link GuestFiles#setModeRaw}), where the filesystem has them. */
    static void setMode(Path p, int mode) throws IOException {
        try {
            GuestFiles.setModeRaw(p, mode);
        } catch (UnsupportedFeatureException e) {
            // a filesystem without modes
        }
    }

    /** Every guest path the builder creates, links included (for tests that check what survives). */
    public List<String> paths() {
        List<String> all = new ArrayList<>(entries.keySet());
        all.addAll(links.keySet());
        return all;
    }
}
