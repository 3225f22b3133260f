package io.imgtool.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.testdata.ReferenceTools;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The user-data imgtool composes, parsed the way cloud-init parses it (Python's email package). */
class UserDataTest {

    @TempDir
    Path dir;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void onePartStaysAsItIs() {
        byte[] cc = utf8("#cloud-config\nhostname: x\n");
        assertThat(UserData.compose(cc, null, false)).isEqualTo(cc);
        assertThat(new String(UserData.compose(null, null, true), StandardCharsets.UTF_8))
                .startsWith("#cloud-config\n").contains("power_state:\n  mode: poweroff\n");
        assertThat(UserData.compose(null, null, false)).isEmpty();
    }

    @Test
    void gzippedUserDataIsExpanded() throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(utf8("#cloud-config\nhostname: z\n"));
        }
        assertThat(new String(UserData.compose(bos.toByteArray(), null, false), StandardCharsets.UTF_8))
                .isEqualTo("#cloud-config\nhostname: z\n");
        assertThatThrownBy(() -> UserData.compose(new byte[] {0x1f, (byte) 0x8b, 1, 2}, null, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gzip");
    }

    @Test
    void sameInputSameBytes() {
        byte[] a = UserData.compose(utf8("#cloud-config\n"), utf8("echo hi\n"), true);
        assertThat(UserData.compose(utf8("#cloud-config\n"), utf8("echo hi\n"), true)).isEqualTo(a);
        assertThat(UserData.compose(utf8("#cloud-config\n"), utf8("echo ho\n"), true)).isNotEqualTo(a);
    }

    /** Parses a MIME message with Python's email package and prints "content-type|payload" per leaf part. */
    private String pythonParts(byte[] message) throws Exception {
        Path py = ReferenceTools.find("python3");
        Assumptions.assumeTrue(py != null, "python3 not installed: the MIME cross-check needs it");
        Path msg = dir.resolve("user-data");
        Files.write(msg, message);
        String script = String.join("\n",
                "import email, sys",
                "m = email.message_from_bytes(open(sys.argv[1], 'rb').read())",
                "for part in m.walk():",
                "    if part.is_multipart(): continue",
                "    p = part.get_payload(decode=True).decode('utf-8')",
                "    print(part.get_content_type() + '|' + p.replace('\\n', '\\\\n'))");
        Path s = dir.resolve("parts.py");
        Files.writeString(s, script);
        return ReferenceTools.run(Duration.ofMinutes(1), null, py.toString(), s.toString(), msg.toString())
                .assertOk().stdout();
    }

    @Test
    void userDataScriptAndPowerOffBecomeThreeMimeParts() throws Exception {
        byte[] ud = UserData.compose(utf8("#cloud-config\nhostname: built\n"), utf8("apt-get install -y nginx\n"), true);
        String[] parts = pythonParts(ud).split("\n");
        assertThat(parts).hasSize(3);
        assertThat(parts[0]).isEqualTo("text/plain|#cloud-config\\nhostname: built\\n");
        assertThat(parts[1]).startsWith("text/x-shellscript|#!/bin/sh\\n").contains("IMGTOOL_SCRIPT_BASE64");
        assertThat(parts[2]).startsWith("text/cloud-config|#cloud-config\\n").contains("mode: poweroff");
    }

    @Test
    void aMimeUserDataIsNestedAsItIs() throws Exception {
        String inner = "Content-Type: multipart/mixed; boundary=\"XYZ\"\nMIME-Version: 1.0\n\n"
                + "--XYZ\nContent-Type: text/cloud-config\n\n#cloud-config\nruncmd: [ls]\n\n"
                + "--XYZ\nContent-Type: text/x-shellscript\n\n#!/bin/sh\necho inner\n\n--XYZ--\n";
        String[] parts = pythonParts(UserData.compose(utf8(inner), null, true)).split("\n");
        assertThat(parts).hasSize(3);
        assertThat(parts[0]).startsWith("text/cloud-config|#cloud-config\\nruncmd: [ls]");
        assertThat(parts[1]).startsWith("text/x-shellscript|#!/bin/sh\\necho inner");
        assertThat(parts[2]).startsWith("text/cloud-config|#cloud-config");
    }

    @Test
    void theScriptWrapperRunsTheScriptAndReportsItsStatus() throws Exception {
        Path sh = ReferenceTools.find("sh");
        Assumptions.assumeTrue(sh != null && ReferenceTools.find("base64") != null, "sh and base64 needed");
        for (String[] c : new String[][] {
                {"echo out; exit 3\n", "3"},
                {"#!/bin/sh\necho 'quotes \" and $dollars and IMGTOOL_SCRIPT_BASE64'\n", "0"}}) {
            String w = new String(UserData.scriptWrapper(utf8(c[0])), StandardCharsets.UTF_8);
            // Run it on the host with the guest paths moved into the test directory.
            w = w.replace(UserData.GUEST_SCRIPT, dir.resolve("lib/script").toString())
                    .replace("/dev/console", dir.resolve("console").toString());
            Path wrapper = Files.writeString(dir.resolve("wrapper.sh"), w);
            ReferenceTools.Result r = ReferenceTools.run(Duration.ofMinutes(1), null, sh.toString(), wrapper.toString());
            assertThat(r.exit()).isEqualTo(Integer.parseInt(c[1]));
            assertThat(Files.readString(dir.resolve("console"))).isEqualTo(UserData.STATUS_LINE + c[1] + "\n");
            assertThat(dir.resolve("lib/script")).doesNotExist();
        }
    }
}
