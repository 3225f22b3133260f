package io.imgtool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.Json;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.sysprep.sample.UsedGuestTree;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code imgtool inspect} and {@code imgtool seal IMAGE} end to end: output, JSON, exit codes. */
class SealImageCommandTest {

    @TempDir
    static Path tmp;
    static Path image;

    @BeforeAll
    static void image() throws Exception {
        ReferenceTools.require("mkfs.ext4");
        Path root = Files.createDirectories(tmp.resolve("tree"));
        UsedGuestTree.debian().build(root);
        Files.writeString(root.resolve("etc/fstab"), "/dev/vda / ext4 defaults 0 1\n");
        image = tmp.resolve("guest.img");
        ReferenceTools.runOk("mkfs.ext4", "-q", "-F", "-U", "0f0e0d0c-0b0a-4908-8706-050403020100", "-d", root.toString(),
                image.toString(), "64M");
    }

    @Test
    void inspectTextAndJson() throws Exception {
        Cli.Run t = Cli.run("inspect", image.toString());
        assertThat(t.exit()).as(t.err()).isZero();
        assertThat(t.out()).contains("no partition table", "uuid=0f0e0d0c-0b0a-4908-8706-050403020100",
                "os: Debian GNU/Linux 12 (bookworm)", "cloud-init: installed, has run (instance i-0123456789abcdef)");
        Cli.Run j = Cli.run("inspect", "--json", image.toString());
        assertThat(j.exit()).isZero();
        Map<?, ?> m = (Map<?, ?>) Json.parse(j.out());
        assertThat(((Map<?, ?>) m.get("os")).get("family")).isEqualTo("debian");
        assertThat(((Map<?, ?>) m.get("disk")).get("scheme")).isEqualTo("none");
        assertThat(Cli.run("inspect", tmp.resolve("nope.img").toString()).exit()).isEqualTo(ExitCodes.CORRUPT);
        assertThat(Cli.run("inspect", "--help").exit()).isZero();
    }

    @Test
    void dryRunListsChangesAndWritesNothing() throws Exception {
        String before = sha256(image);
        Cli.Run r = Cli.run("seal", image.toString(), "--dry-run", "--json", "-q");
        assertThat(r.exit()).as(r.err()).isZero();
        Map<?, ?> m = (Map<?, ?>) Json.parse(r.out());
        assertThat(m.get("mode")).isEqualTo("dry-run");
        List<?> changes = (List<?>) m.get("changes");
        assertThat(changes).anySatisfy(c -> assertThat(((Map<?, ?>) c).get("path")).isEqualTo("/var/log/evil.log"));
        assertThat(sha256(image)).isEqualTo(before);
        Cli.Run text = Cli.run("seal", image.toString(), "-n", "-q");
        assertThat(text.out()).startsWith("dry run (nothing written)").contains("removed /var/log/syslog (file) [logfiles]");
    }

    @Test
    void sealsToASignedCompressedImageThatVerifies() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path keys = tmp.resolve("keys");
        assertThat(Cli.run("keygen", "--name", "Seal Test", "--email", "seal@example.org", keys + "/").exit()).isZero();
        Cli.Run r = Cli.run("seal", image.toString(), "-o", out.resolve("golden.qcow2").toString(), "--operations",
                "-defaults", "--compress", "zstd", "--sha512", "--sign-key", keys.resolve("signing-key.secret.asc").toString(),
                "--signature", "clearsign,binary", "-q");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("sealed: ", "golden.qcow2", "signature: ");
        assertThat(out.resolve("SHA256SUMS.asc")).exists();
        assertThat(out.resolve("SHA512SUMS.sig")).exists();
        String pub = keys.resolve("signing-key.public.asc").toString();
        Cli.Run v = Cli.run("verify", "--key", pub, "--check-files", out.resolve("SHA256SUMS.asc").toString());
        assertThat(v.exit()).as(v.out() + v.err()).isZero();
        try (RandomAccessFile f = new RandomAccessFile(out.resolve("golden.qcow2").toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x10);
        }
        assertThat(Cli.run("verify", "--key", pub, "--check-files", out.resolve("SHA256SUMS.asc").toString()).exit())
                .isEqualTo(ExitCodes.PROBLEMS);
    }

    @Test
    void usageErrors() throws Exception {
        Path o = tmp.resolve("u.qcow2");
        assertThat(Cli.run("seal", image.toString()).exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("seal", image.toString(), "-o", o.toString(), "--in-place").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("seal", image.toString(), "-o", o.toString(), "--xz", "--compress", "deflate").exit())
                .isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("seal", image.toString(), "-o", o.toString(), "--compress", "lz4").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("seal", image.toString(), "-o", o.toString(), "--signature", "binary").exit())
                .isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("seal", image.toString(), "-o", image.toString()).exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("seal", tmp.resolve("missing.img").toString(), "-n").exit()).isEqualTo(ExitCodes.CORRUPT);
        assertThat(Cli.run("seal", image.toString(), "--guest-dir", tmp.toString()).exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(Files.exists(o)).isFalse();
    }

    static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }
}
