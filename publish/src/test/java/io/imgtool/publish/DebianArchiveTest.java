package io.imgtool.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Upstream signatures in the wild: the clearsigned {@code InRelease} files apt downloaded on this
 * machine, signed by several Debian archive keys (RSA-4096 signing subkeys), verified against
 * {@code debian-archive-keyring.gpg}. Skipped where the machine has no apt lists.
 */
class DebianArchiveTest {

    static final Path KEYRING = Path.of("/usr/share/keyrings/debian-archive-keyring.gpg");

    static List<Path> inReleaseFiles() throws IOException {
        Path lists = Path.of("/var/lib/apt/lists");
        List<Path> out = new ArrayList<>();
        if (Files.isDirectory(lists)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(lists, "*debian*_InRelease")) {
                s.forEach(out::add);
            }
        }
        return out;
    }

    @Test
    void aptInReleaseFilesVerifyAndAChangedByteDoesNot() throws Exception {
        List<Path> files = inReleaseFiles();
        Assumptions.assumeTrue(Files.isRegularFile(KEYRING) && !files.isEmpty(),
                "no Debian keyring or no apt InRelease files on this machine (run apt-get update)");
        PgpVerifier v = PgpVerifier.builder().keys(KEYRING).build();
        assertThat(v.trustedFingerprints()).isNotEmpty();
        for (Path f : files) {
            byte[] bytes = Files.readAllBytes(f);
            ClearsignedMessage m = v.verifyClearsigned(bytes, f.toString());
            assertThat(m.check().status()).as("%s: %s", f, m.check()).isEqualTo(SignatureStatus.GOOD);
            assertThat(m.check().signatures()).allMatch(s -> s.status() == SignatureStatus.GOOD
                    || s.status() == SignatureStatus.UNKNOWN_KEY);
            assertThat(new String(m.content(), StandardCharsets.UTF_8)).contains("Origin: Debian");
            // One changed byte in the signed text: "Codename: bookworm" -> "Codename: bookwore".
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            int at = text.indexOf("Codename: ");
            assertThat(at).isPositive();
            bytes[at + 12] ^= 1;
            assertThat(v.verifyClearsigned(bytes, f.toString()).check().status()).isEqualTo(SignatureStatus.BAD);
        }
    }
}
