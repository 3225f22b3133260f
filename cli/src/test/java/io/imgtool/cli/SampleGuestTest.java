package io.imgtool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.testdata.ReferenceTools;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first set-up command, step by step: {@code sample --guest} writes a used guest disk
 * that the reference tools accept, {@code seal} turns it into a signed golden image that qemu-img,
 * sgdisk, e2fsck, sha256sum, gpg and {@code imgtool verify} accept, with the guest's secrets gone.
 */
class SampleGuestTest {

    @TempDir
    static Path tmp;

    @BeforeAll
    static void tools() {
        for (String t : new String[] {"qemu-img", "sgdisk", "e2fsck", "debugfs", "sha256sum", "gpg"}) {
            ReferenceTools.require(t);
        }
    }

    @Test
    void sampleGuestIsAValidReproducibleDisk() throws Exception {
        Path a = tmp.resolve("a.qcow2");
        Path b = tmp.resolve("b.qcow2");
        assertThat(Cli.run("sample", "--guest", a.toString()).exit()).isZero();
        assertThat(Cli.run("sample", "--guest", b.toString()).exit()).isZero();
        assertThat(SealImageCommandTest.sha256(a)).isEqualTo(SealImageCommandTest.sha256(b));
        ReferenceTools.runOk("qemu-img", "check", a.toString());
        Path raw = toRaw(a);
        assertThat(ReferenceTools.runOk("sgdisk", "-v", raw.toString()).stdout()).contains("No problems found");
        Path root = rootFs(raw);
        ReferenceTools.runOk("e2fsck", "-fn", root.toString());
        assertThat(debugfs(root, "stat /etc/ssh/ssh_host_ed25519_key")).contains("User:     0", "Mode:  0600");
        assertThat(debugfs(root, "stat /home/alice")).contains("User:  1000");

        Cli.Run i = Cli.run("inspect", a.toString());
        assertThat(i.out()).contains("Debian GNU/Linux 12", "cloud-init: installed, has run", "BIOS boot");
        assertThat(Cli.run("sample", "--guest", a.toString()).exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("sample", "--guest", "--flavour", "suse", tmp.resolve("c").toString()).exit())
                .isEqualTo(ExitCodes.USAGE);
        Path rhel = tmp.resolve("rhel.img");
        assertThat(Cli.run("sample", "--guest", "--flavour", "rhel", "-O", "raw", "--size", "256M", rhel.toString())
                .exit()).isZero();
        assertThat(Files.size(rhel)).isEqualTo(256L << 20);
        assertThat(Cli.run("inspect", rhel.toString()).out()).contains("family rhel");
    }

    @Test
    void readmeSetUpCommandSealsSignsAndVerifies() throws Exception {
        Path used = tmp.resolve("used.qcow2");
        Path keys = tmp.resolve("keys");
        Path out = Files.createDirectories(tmp.resolve("out"));
        assertThat(Cli.run("sample", "--guest", used.toString()).exit()).isZero();
        String before = SealImageCommandTest.sha256(used);
        assertThat(Cli.run("keygen", "--name", "Image Builder", "--email", "images@example.org", keys + "/").exit()).isZero();
        Cli.Run s = Cli.run("seal", used.toString(), "-o", out.resolve("golden.qcow2").toString(), "--compress",
                "deflate", "--sign-key", keys.resolve("signing-key.secret.asc").toString(), "-q");
        assertThat(s.exit()).as(s.err()).isZero();
        assertThat(SealImageCommandTest.sha256(used)).as("the input is untouched").isEqualTo(before);
        Cli.Run v = Cli.run("verify", "--key", keys.resolve("signing-key.public.asc").toString(), "--check-files",
                out.resolve("SHA256SUMS.asc").toString());
        assertThat(v.exit()).as(v.out() + v.err()).isZero();

        Path golden = out.resolve("golden.qcow2");
        ReferenceTools.runOk("qemu-img", "check", golden.toString());
        assertThat(Files.size(golden)).isLessThan(Files.size(used));
        ReferenceTools.Result sums = ReferenceTools.run(java.time.Duration.ofMinutes(1), null, "sh", "-c",
                "cd '" + out + "' && sha256sum -c SHA256SUMS");
        assertThat(sums.stdout()).contains("golden.qcow2: OK");
        Path home = Files.createDirectories(tmp.resolve("gnupg"));
        Files.setPosixFilePermissions(home, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        ReferenceTools.runOk("gpg", "--homedir", home.toString(), "--batch", "--import",
                keys.resolve("signing-key.public.asc").toString());
        ReferenceTools.Result g = ReferenceTools.run("gpg", "--homedir", home.toString(), "--batch", "--verify",
                out.resolve("SHA256SUMS.asc").toString());
        assertThat(g.exit()).as(g.stderr()).isZero();
        assertThat(g.stderr()).contains("Good signature");

        Path raw = toRaw(golden);
        assertThat(ReferenceTools.runOk("sgdisk", "-v", raw.toString()).stdout()).contains("No problems found");
        Path root = rootFs(raw);
        ReferenceTools.runOk("e2fsck", "-fn", root.toString());
        assertThat(debugfs(root, "ls /etc/ssh")).doesNotContain("ssh_host_");
        assertThat(debugfs(root, "stat /etc/machine-id")).contains("Size: 0");
        assertThat(debugfs(root, "ls /var/lib/cloud")).doesNotContain("instances");
        assertThat(debugfs(root, "stat /root/.bash_history")).contains("not found");
    }

    private static Path toRaw(Path qcow2) {
        Path raw = tmp.resolve(qcow2.getFileName() + ".raw");
        ReferenceTools.runOk("qemu-img", "convert", "-O", "raw", qcow2.toString(), raw.toString());
        return raw;
    }

    /** Partition 1 (from sector 8192 to the 1 MiB boundary before the backup GPT) as its own file. */
    private static Path rootFs(Path raw) throws Exception {
        Path root = tmp.resolve(raw.getFileName() + ".root");
        long size = Files.size(raw);
        long end = ((size / 512 - 33) / 2048 * 2048) * 512;
        ReferenceTools.runOk("dd", "conv=sparse", "if=" + raw, "of=" + root, "bs=1M", "skip=4", "count=" + ((end - (4 << 20)) >> 20),
                "conv=sparse", "status=none");
        return root;
    }

    private static String debugfs(Path fs, String request) {
        ReferenceTools.Result r = ReferenceTools.run("debugfs", "-R", request, fs.toString());
        return r.stdout() + r.stderr();
    }
}
