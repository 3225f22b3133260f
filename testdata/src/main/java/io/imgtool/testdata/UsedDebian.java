package io.imgtool.testdata;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Gives a debootstrapped Debian tree (a host directory, written as root) the look of a guest that
 * ran for a while: system and auth logs with rotations, a systemd journal, login records, shell
 * history of root and a user, DHCP leases, cloud-init's state of the instance it ran as, a random
 * seed, mail and cron spools, temporary files, editor backups, a configured /etc/fstab and host
 * name — and link traps ({@code /var/log/evil.log -> /etc/passwd}) that sealing must remove as links.
 * Deterministic: the same content every time (random-looking data from a fixed seed).
 */
public final class UsedDebian {

    /** Changes whenever the look changes, so cached trees are rebuilt. */
    public static final String VERSION = "used-debian v2";

    /** UUID of the root ext4 as /etc/fstab names it ({@link DebianDisk} formats it so). */
    public static final String ROOT_UUID = "4c8f7e2a-1b3d-4e5f-9a6b-7c8d9e0f1a2b";
    /** Volume id of the ESP (vfat) as /etc/fstab names it. */
    public static final String ESP_UUID = "A1B2-C3D4";
    /** The instance cloud-init ran as on the template. */
    public static final String INSTANCE_ID = "iid-template-0123456789";

    /** Guest paths of the link traps: links whose targets must survive sealing. */
    public static final List<String> TRAPS = List.of("/var/log/evil.log", "/var/log/trap.log.1", "/tmp/hostlink");

    private final Path root;
    private final SplittableRandom random = new SplittableRandom(20241123);

    private UsedDebian(Path root) {
        this.root = root;
    }

    /** Applies the used look to the tree below {@code root}. */
    public static void apply(Path root) throws IOException {
        new UsedDebian(root).apply();
    }

    private void apply() throws IOException {
        text("/etc/fstab", "# /etc/fstab: static file system information.\n"
                + "UUID=" + ROOT_UUID + " / ext4 rw,discard,errors=remount-ro,x-systemd.growfs 0 1\n"
                + "UUID=" + ESP_UUID + " /boot/efi vfat defaults 0 0\n", 0644, 0, 0);
        dir("/boot/efi", 0755, 0, 0);
        // GRUB's configuration names the root filesystem by UUID, as grub-mkconfig writes it.
        String kernel;
        try (java.util.stream.Stream<Path> s = Files.list(root.resolve("boot"))) {
            kernel = s.map(x -> x.getFileName().toString()).filter(n -> n.startsWith("vmlinuz-")).sorted()
                    .findFirst().orElse("vmlinuz").substring("vmlinuz-".length());
        }
        dir("/boot/grub", 0755, 0, 0);
        text("/boot/grub/grub.cfg", grubCfg(kernel), 0444, 0, 0);
        text("/etc/hostname", "template-host\n", 0644, 0, 0);
        text("/etc/hosts", "127.0.0.1\tlocalhost\n127.0.1.1\ttemplate-host.example.org template-host\n\n"
                + "::1     localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n", 0644, 0, 0);
        // A user, as cloud-init's default user would be made.
        append("/etc/passwd", "alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n");
        append("/etc/shadow", "alice:$6$alicesalt$AliceHashAliceHash.:19700:0:99999:7:::\n");
        append("/etc/group", "alice:x:1000:\n");
        append("/etc/gshadow", "alice:!::\n");
        dir("/home/alice", 0750, 1000, 1000);
        text("/home/alice/.profile", "# ~/.profile\n", 0644, 1000, 1000);
        text("/home/alice/.bash_history", "sudo -i\nssh db1.example.org\nvi notes.txt\n", 0600, 1000, 1000);
        dir("/home/alice/.ssh", 0700, 1000, 1000);
        text("/home/alice/.ssh/authorized_keys", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIexample alice@laptop\n", 0600, 1000, 1000);
        text("/root/.bash_history", "apt-get install vim\ncat /etc/shadow\nhistory -c\n", 0600, 0, 0);
        text("/root/notes.txt~", "editor backup\n", 0600, 0, 0);
        text("/etc/ssh/sshd_config~", "PermitRootLogin yes\n", 0644, 0, 0);
        text("/etc/apt/sources.list.bak", "deb http://old.mirror.example/debian bookworm main\n", 0644, 0, 0);
        // Logs.
        log("/var/log/syslog", "template-host systemd[1]: Started session 1 of user alice.", 2000, 0640, 0, 4);
        log("/var/log/syslog.1", "template-host CRON[812]: (root) CMD (command -v debian-sa1 > /dev/null)", 4000, 0640, 0, 4);
        bytes("/var/log/syslog.2.gz", random(64 * 1024), 0640, 0, 4);
        log("/var/log/auth.log", "template-host sshd[812]: Accepted publickey for alice from 192.0.2.7 port 50122", 500, 0640, 0, 4);
        log("/var/log/kern.log", "template-host kernel: virtio_net virtio1 ens3: renamed from eth0", 300, 0640, 0, 4);
        log("/var/log/cloud-init.log", "util.py[DEBUG]: Cloud-init v. 22.4.2 finished", 800, 0640, 0, 4);
        log("/var/log/cloud-init-output.log", "Cloud-init v. 22.4.2 finished, datasource DataSourceNoCloud", 50, 0640, 0, 4);
        dir("/var/log/apt", 0755, 0, 0);
        log("/var/log/apt/history.log", "Commandline: apt-get install -y vim", 40, 0644, 0, 0);
        bytes("/var/log/wtmp", random(16 * 1024), 0664, 0, 43);
        bytes("/var/log/btmp", random(4 * 1024), 0660, 0, 43);
        bytes("/var/log/lastlog", random(8 * 1024), 0664, 0, 43);
        String machineId = Files.readString(root.resolve("etc/machine-id")).strip();
        dir("/var/log/journal", 02755, 0, 101);
        dir("/var/log/journal/" + machineId, 02755, 0, 101);
        // A journal of a few MiB: what sealing frees and the output drops.
        bytes("/var/log/journal/" + machineId + "/system.journal", random(8 << 20), 0640, 0, 101);
        bytes("/var/log/journal/" + machineId + "/user-1000.journal", random(2 << 20), 0640, 0, 101);
        // Network state.
        dir("/var/lib/dhcp", 0755, 0, 0);
        text("/var/lib/dhcp/dhclient.ens3.leases", "lease {\n  interface \"ens3\";\n  fixed-address 192.0.2.50;\n"
                + "  option dhcp-server-identifier 192.0.2.1;\n}\n", 0644, 0, 0);
        // cloud-init's memory of the instance it ran as.
        String inst = "/var/lib/cloud/instances/" + INSTANCE_ID;
        dir("/var/lib/cloud", 0755, 0, 0);
        dir("/var/lib/cloud/instances", 0755, 0, 0);
        dir(inst, 0755, 0, 0);
        text(inst + "/boot-finished", "1732352401.21 - v. 22.4.2\n", 0644, 0, 0);
        text(inst + "/user-data.txt", "#cloud-config\npassword: template-secret\nchpasswd: { expire: false }\n", 0600, 0, 0);
        text(inst + "/datasource", "DataSourceNoCloud: DataSourceNoCloud [seed=/dev/vdb][dsmode=net]\n", 0644, 0, 0);
        bytes(inst + "/obj.pkl", random(24 * 1024), 0400, 0, 0);
        dir(inst + "/sem", 0755, 0, 0);
        text(inst + "/sem/config_ssh", "1732352400.5\n", 0644, 0, 0);
        text(inst + "/sem/config_users_groups", "1732352400.1\n", 0644, 0, 0);
        link("/var/lib/cloud/instance", inst);
        dir("/var/lib/cloud/data", 0755, 0, 0);
        text("/var/lib/cloud/data/instance-id", INSTANCE_ID + "\n", 0644, 0, 0);
        text("/var/lib/cloud/data/previous-instance-id", INSTANCE_ID + "\n", 0644, 0, 0);
        text("/var/lib/cloud/data/result.json", "{\n \"v1\": {\n  \"datasource\": \"DataSourceNoCloud\",\n  \"errors\": []\n }\n}\n", 0644, 0, 0);
        text("/var/lib/cloud/data/status.json", "{\n \"v1\": {\n  \"datasource\": \"DataSourceNoCloud\"\n }\n}\n", 0644, 0, 0);
        dir("/var/lib/cloud/sem", 0755, 0, 0);
        text("/var/lib/cloud/sem/config_scripts_per_once.once", "1732352401.1\n", 0644, 0, 0);
        // systemd state.
        bytes("/var/lib/systemd/random-seed", random(512), 0600, 0, 0);
        // Spools and caches.
        text("/var/mail/alice", "From root@template-host\nSubject: cron output\n\nhello\n", 0660, 1000, 8);
        dir("/var/spool/cron/crontabs", 01730, 0, 0);
        text("/var/spool/cron/crontabs/alice", "0 * * * * /home/alice/bin/job\n", 0600, 1000, 0);
        dir("/var/cache/man", 0755, 0, 0);
        bytes("/var/cache/man/index.db", random(32 * 1024), 0644, 0, 0);
        // Temporary files.
        text("/tmp/build.log", "make: *** [all] Error 2\n", 0644, 1000, 1000);
        text("/tmp/.hidden-lock", "1234\n", 0644, 0, 0);
        dir("/tmp/tmp.Xy12ab", 0700, 1000, 1000);
        text("/tmp/tmp.Xy12ab/secret", "temporary secret\n", 0600, 1000, 1000);
        dir("/var/tmp/cloud-init", 0700, 0, 0);
        text("/var/tmp/cloud-init/dhcp.leases", "lease\n", 0600, 0, 0);
        // Link traps: removing them must remove the links, never their targets.
        link("/var/log/evil.log", "/etc/passwd");
        link("/var/log/trap.log.1", "../../etc/shadow");
        link("/tmp/hostlink", "/etc");
    }

    /** /boot/grub/grub.cfg as grub-mkconfig writes it for a root filesystem found by UUID. */
    static String grubCfg(String kernel) {
        return "set default=0\nset timeout=1\ninsmod part_gpt\ninsmod ext2\n"
                + "search --no-floppy --fs-uuid --set=root " + ROOT_UUID + "\n"
                + "menuentry 'Debian GNU/Linux' {\n"
                + "\tsearch --no-floppy --fs-uuid --set=root " + ROOT_UUID + "\n"
                + "\tlinux\t/boot/vmlinuz-" + kernel + " root=UUID=" + ROOT_UUID + " ro console=ttyS0\n"
                + "\tinitrd\t/boot/initrd.img-" + kernel + "\n}\n";
    }

    /** EFI/debian/grub.cfg on the ESP, as grub-install writes it: finds the root filesystem by UUID. */
    public static String espGrubCfg() {
        return "search.fs_uuid " + ROOT_UUID + " root hd0,gpt1 \nset prefix=($root)'/boot/grub'\nconfigfile $prefix/grub.cfg\n";
    }

    private Path p(String guestPath) {
        return root.resolve(guestPath.substring(1));
    }

    private void dir(String path, int mode, int uid, int gid) throws IOException {
        Files.createDirectories(p(path));
        own(p(path), mode, uid, gid);
    }

    private void text(String path, String content, int mode, int uid, int gid) throws IOException {
        bytes(path, content.getBytes(StandardCharsets.UTF_8), mode, uid, gid);
    }

    private void log(String path, String line, int lines, int mode, int uid, int gid) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            sb.append(String.format("Nov %2d %02d:%02d:%02d ", 1 + i / 1440 % 28, i / 60 % 24, i % 60, (i * 7) % 60))
                    .append(line).append('\n');
        }
        text(path, sb.toString(), mode, uid, gid);
    }

    private void bytes(String path, byte[] content, int mode, int uid, int gid) throws IOException {
        Path f = p(path);
        Files.createDirectories(f.getParent());
        Files.deleteIfExists(f);
        Files.write(f, content);
        own(f, mode, uid, gid);
    }

    /**
     * Appends {@code line} unless present. The file is replaced, not written through: the used tree
     * shares its unchanged files with the clean tree by hard links ({@link DebianGuest#usedTree}).
     */
    private void append(String path, String line) throws IOException {
        Path f = p(path);
        String old = Files.readString(f);
        if (!old.contains(line)) {
            int mode = (Integer) Files.getAttribute(f, "unix:mode");
            int uid = (Integer) Files.getAttribute(f, "unix:uid");
            int gid = (Integer) Files.getAttribute(f, "unix:gid");
            text(path, old + line, mode & 07777, uid, gid);
        }
    }

    private void link(String path, String target) throws IOException {
        Path f = p(path);
        Files.createDirectories(f.getParent());
        Files.deleteIfExists(f);
        Files.createSymbolicLink(f, f.getFileSystem().getPath(target));
    }

    private byte[] random(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i += 8) {
            long v = random.nextLong();
            for (int k = 0; k < 8 && i + k < n; k++) {
                b[i + k] = (byte) (v >>> (8 * k));
            }
        }
        return b;
    }

    private static void own(Path p, int mode, int uid, int gid) throws IOException {
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
    }
}
