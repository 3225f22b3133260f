package io.imgtool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.Json;
import io.imgtool.testdata.ReferenceTools;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PublishCommandsTest {

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        CommandLine cl = ImgTool.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void keygenChecksumSignVerifyEndToEnd() throws Exception {
        Run k = run("keygen", "--name", "Image Builder", "--email", "images@example.org", dir.resolve("keys").toString());
        assertThat(k.exit()).as(k.err()).isZero();
        Path secret = dir.resolve("keys/signing-key.secret.asc");
        Path pub = dir.resolve("keys/signing-key.public.asc");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).isEqualTo("rw-------");
        assertThat(k.out()).contains("Image Builder <images@example.org>");

        Path out = Files.createDirectories(dir.resolve("out"));
        byte[] img = new byte[3 << 20];
        new Random(1).nextBytes(img);
        Files.write(out.resolve("disk.raw"), img);
        Files.writeString(out.resolve("weird\\name.json"), "{}\n");
        Run x = run("xz", "--block-size", "1M", out.resolve("disk.raw").toString(), out.resolve("disk.raw.xz").toString());
        assertThat(x.exit()).as(x.err()).isZero();
        assertThat(x.out()).contains("3 blocks");
        ReferenceTools.runOk("xz", "-t", out.resolve("disk.raw.xz").toString());

        Run c = run("checksum", "-o", out.resolve("SHA256SUMS").toString(), out.resolve("disk.raw.xz").toString(),
                out.resolve("weird\\name.json").toString());
        assertThat(c.exit()).as(c.err()).isZero();
        ReferenceTools.run(Duration.ofMinutes(1), null, "sh", "-c", "cd \"$1\" && sha256sum --strict -c SHA256SUMS",
                "sh", out.toString()).assertOk();

        Run s = run("sign", "--clearsign", "--key", secret.toString(), out.resolve("SHA256SUMS").toString());
        assertThat(s.exit()).as(s.err()).isZero();
        Run d = run("sign", "--detach", "--binary", "--key", secret.toString(), out.resolve("SHA256SUMS").toString());
        assertThat(d.exit()).as(d.err()).isZero();
        assertThat(out.resolve("SHA256SUMS.sig")).exists();

        Run v = run("verify", "--key", pub.toString(), "--check-files", out.resolve("SHA256SUMS.asc").toString());
        assertThat(v.exit()).as(v.out() + v.err()).isZero();
        assertThat(v.out()).contains("signature: GOOD", "disk.raw.xz: OK", "weird\\name.json: OK", "verified:");
        Run vd = run("verify", "--key", pub.toString(), "--signature", out.resolve("SHA256SUMS.sig").toString(),
                "--check-files", "--json", out.resolve("SHA256SUMS").toString());
        assertThat(vd.exit()).as(vd.out() + vd.err()).isZero();
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(vd.out());
        assertThat(json.get("ok")).isEqualTo(true);

        // A changed artifact: signature still good, the file is not: exit 1.
        byte[] xz = Files.readAllBytes(out.resolve("disk.raw.xz"));
        xz[xz.length / 2] ^= 4;
        Files.write(out.resolve("disk.raw.xz"), xz);
        Run bad = run("verify", "--key", pub.toString(), "--check-files", out.resolve("SHA256SUMS.asc").toString());
        assertThat(bad.exit()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(bad.out()).contains("disk.raw.xz: MISMATCH", "FAILED");

        // A changed signature file: exit 1 too.
        String asc = Files.readString(out.resolve("SHA256SUMS.asc"));
        Files.writeString(out.resolve("SHA256SUMS.asc"), asc.replace("weird", "weirc"));
        Run badSig = run("verify", "--key", pub.toString(), out.resolve("SHA256SUMS.asc").toString());
        assertThat(badSig.exit()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(badSig.out()).contains("BAD");

        Run entry = run("index-entry", "--os-version", "test-1", "--expand", "/dev/sda1",
                out.resolve("disk.raw.xz").toString());
        assertThat(entry.exit()).as(entry.err()).isZero();
        assertThat(entry.out()).startsWith("[test-1]\n").contains("size=3145728\n", "expand=/dev/sda1\n");
    }

    @Test
    void usageErrorsAndMissingInputsHaveTheirExitCodes() throws Exception {
        Path f = Files.writeString(dir.resolve("SHA256SUMS"), "x");
        assertThat(run("verify", f.toString()).exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("verify", "--key", dir.resolve("nokey").toString(), f.toString()).exit())
                .isEqualTo(ExitCodes.CORRUPT);
        Path notKey = Files.writeString(dir.resolve("k.asc"), "not a key");
        Run r = run("verify", "--key", notKey.toString(), f.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.CORRUPT);
        assertThat(r.err()).contains("k.asc").doesNotContain("Exception");
        Path existing = Files.writeString(dir.resolve("o.xz"), "x");
        assertThat(run("xz", f.toString(), existing.toString()).exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("checksum", dir.resolve("missing").toString()).exit()).isEqualTo(ExitCodes.CORRUPT);
        for (String cmd : new String[] {"keygen", "sign", "verify", "checksum", "xz", "index-entry"}) {
            Run h = run(cmd, "--help");
            assertThat(h.exit()).isZero();
            assertThat(h.out()).contains("Usage: imgtool " + cmd);
        }
    }

    @Test
    void checksumPrintsWhatSha256sumPrints() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "alpha\n");
        Path b = Files.writeString(dir.resolve("b\nc"), "beta\n");
        Run ours = run("checksum", a.toString(), b.toString());
        ReferenceTools.Result theirs = ReferenceTools.runOk("sha256sum", a.toString(), b.toString());
        assertThat(ours.out()).isEqualTo(theirs.stdout());
        Run ours512 = run("checksum", "--sha512", a.toString());
        assertThat(ours512.out()).isEqualTo(ReferenceTools.runOk("sha512sum", a.toString()).stdout());
    }
}
