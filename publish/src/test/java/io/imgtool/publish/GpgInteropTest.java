package io.imgtool.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.testdata.ReferenceTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** GnuPG accepts what imgtool signs; imgtool verifies what GnuPG signs. */
class GpgInteropTest {

    @TempDir
    Path dir;
    Gpg gpg;

    @BeforeEach
    void start() throws Exception {
        gpg = new Gpg(dir);
    }

    @AfterEach
    void stop() {
        gpg.close();
    }

    @ParameterizedTest
    @EnumSource(PgpKeyGenerator.Algorithm.class)
    void gpgAcceptsOurClearsignedAndDetachedSignatures(PgpKeyGenerator.Algorithm alg) throws Exception {
        PgpKeyPair key = PgpKeyGenerator.builder().userId("Image Builder", "images@example.org").algorithm(alg)
                .generate();
        KeyFilesHolder files = new KeyFilesHolder(key.write(dir.resolve("signing-key")));
        gpg.runOk("--import", files.pub.toString());
        PgpSigner signer = PgpSigner.builder().secretKey(files.secret).build();

        Path a = Files.writeString(dir.resolve("disk.raw.xz"), "not really xz\n");
        Path b = Files.write(dir.resolve("odd\\name"), new byte[] {0, 1, 2});
        SumsFile sums = Checksums.builder().build().sumsFile(List.of(a, b), dir);
        Path sumsFile = Files.write(dir.resolve("SHA256SUMS"), sums.toBytes());
        Path clear = Files.writeString(dir.resolve("SHA256SUMS.asc"), signer.clearsign(sums.format()));
        assertGood(gpg.run("--status-fd", "1", "--verify", clear.toString()), key.fingerprint());
        // gpg --output of a clearsigned file yields exactly our sums file.
        Path out = dir.resolve("out");
        gpg.runOk("--output", out.toString(), "--decrypt", clear.toString());
        assertThat(Files.readString(out)).isEqualTo(sums.format());

        Path asc = Files.write(dir.resolve("SHA256SUMS.detached.asc"), signer.sign(sumsFile, true));
        Path sig = Files.write(dir.resolve("SHA256SUMS.sig"), signer.sign(sumsFile, false));
        assertGood(gpg.run("--status-fd", "1", "--verify", asc.toString(), sumsFile.toString()), key.fingerprint());
        assertGood(gpg.run("--status-fd", "1", "--verify", sig.toString(), sumsFile.toString()), key.fingerprint());
        // A changed sums file is rejected by gpg too.
        Files.writeString(sumsFile, sums.format().replace('a', 'b'));
        assertThat(gpg.run("--verify", sig.toString(), sumsFile.toString()).exit()).isNotZero();
    }

    @Test
    void gpgImportsOurSecretKeyWithAndWithoutPassphrase() throws Exception {
        PgpKeyPair plain = PgpKeyGenerator.builder().userId("Plain", "plain@example.org").generate();
        PgpKeyPair locked = PgpKeyGenerator.builder().userId("Locked", "locked@example.org")
                .passphrase("correct horse".toCharArray()).generate();
        Files.writeString(dir.resolve("plain.asc"), plain.secretKey());
        Files.writeString(dir.resolve("locked.asc"), locked.secretKey());
        gpg.runOk("--import", dir.resolve("plain.asc").toString());
        gpg.runOk("--import", dir.resolve("locked.asc").toString());
        String list = gpg.runOk("--with-colons", "--list-secret-keys").stdout();
        assertThat(list).contains(plain.fingerprint()).contains(locked.fingerprint());
        // gpg signs with the imported locked key once given the passphrase; we verify that signature.
        Path f = Files.writeString(dir.resolve("f"), "data\n");
        ReferenceTools.run(java.time.Duration.ofMinutes(1), null, "gpg", "--homedir", gpg.home.toString(), "--batch",
                "--pinentry-mode", "loopback", "--passphrase", "correct horse", "--local-user", locked.fingerprint(),
                "--detach-sign", f.toString()).assertOk();
        SignatureCheck c = PgpVerifier.builder().keys(locked.publicKey().getBytes(), "locked").build()
                .verifyDetached(f, Files.readAllBytes(dir.resolve("f.sig")), "f.sig");
        assertThat(c.status()).isEqualTo(SignatureStatus.GOOD);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ed25519", "rsa3072"})
    void weVerifyWhatGpgSigns(String algo) throws Exception {
        String fpr = gpg.generate("Upstream CD Signing <cd@example.org>", algo);
        Path armoredKey = dir.resolve("upstream.asc");
        Path binaryKey = dir.resolve("upstream.gpg");
        gpg.runOk("--armor", "--output", armoredKey.toString(), "--export", fpr);
        gpg.runOk("--output", binaryKey.toString(), "--export", fpr);

        Path iso = Files.write(dir.resolve("debian-12.11.0-amd64-netinst.iso"), new byte[70000]);
        Path img = Files.writeString(dir.resolve("debian-12-generic-amd64.raw"), "image\n");
        Path sums = dir.resolve("SHA512SUMS");
        ReferenceTools.run(java.time.Duration.ofMinutes(1), null, "sh", "-c",
                "cd \"$1\" && sha512sum debian-12.11.0-amd64-netinst.iso debian-12-generic-amd64.raw > SHA512SUMS",
                "sh", dir.toString()).assertOk();
        // Debian signs its SHA512SUMS with a detached armored SHA512SUMS.sign.
        gpg.runOk("--armor", "--detach-sign", "--output", dir.resolve("SHA512SUMS.sign").toString(), sums.toString());
        gpg.runOk("--clearsign", "--output", dir.resolve("SHA512SUMS.clear").toString(), sums.toString());
        gpg.runOk("--detach-sign", "--output", dir.resolve("iso.sig").toString(), iso.toString());
        gpg.runOk("--textmode", "--detach-sign", "--output", dir.resolve("text.sig").toString(), img.toString());

        for (Path keyFile : List.of(armoredKey, binaryKey)) {
            PgpVerifier v = PgpVerifier.builder().keys(keyFile).build();
            ArtifactVerifier av = ArtifactVerifier.builder().verifier(v).build();
            VerifyReport r = av.verify(sums, null);
            assertThat(r.ok()).as(String.valueOf(r)).isTrue();
            assertThat(r.signatureFile()).isEqualTo(dir.resolve("SHA512SUMS.sign"));
            assertThat(r.files()).hasSize(2).allMatch(FileCheck::ok)
                    .allMatch(c -> c.algorithm() == HashAlgorithm.SHA512);
            assertThat(r.signature().signatures().get(0).fingerprint()).isEqualTo(fpr);

            VerifyReport clear = av.verify(dir.resolve("SHA512SUMS.clear"), null);
            assertThat(clear.ok()).as(String.valueOf(clear)).isTrue();
            assertThat(clear.files()).hasSize(2);

            assertThat(v.verifyDetached(iso, Files.readAllBytes(dir.resolve("iso.sig")), "iso.sig").status())
                    .isEqualTo(SignatureStatus.GOOD);
            assertThat(v.verifyDetached(img, Files.readAllBytes(dir.resolve("text.sig")), "text.sig").status())
                    .isEqualTo(SignatureStatus.GOOD);
        }
        // An ISO that changed after signing.
        byte[] changed = new byte[70000];
        changed[69999] = 1;
        Files.write(iso, changed);
        VerifyReport bad = ArtifactVerifier.builder().verifier(PgpVerifier.builder().keys(armoredKey).build()).build()
                .verify(sums, null);
        assertThat(bad.ok()).isFalse();
        assertThat(bad.signature().ok()).isTrue();
        assertThat(bad.files()).extracting(FileCheck::status)
                .containsExactly(FileCheck.Status.MISMATCH, FileCheck.Status.OK);
    }

    @Test
    void weakHashesAndForeignKeysAreRefusedClearly() throws Exception {
        String fpr = gpg.generate("Old <old@example.org>", "rsa3072");
        Path key = dir.resolve("old.asc");
        gpg.runOk("--armor", "--output", key.toString(), "--export", fpr);
        Path f = Files.writeString(dir.resolve("f"), "x\n");
        gpg.runOk("--digest-algo", "SHA1", "--detach-sign", "--output", dir.resolve("f.sig").toString(), f.toString());
        PgpVerifier v = PgpVerifier.builder().keys(key).build();
        SignatureCheck c = v.verifyDetached(f, Files.readAllBytes(dir.resolve("f.sig")), "f.sig");
        assertThat(c.status()).isEqualTo(SignatureStatus.WEAK_HASH);
        assertThat(c.detail()).contains("SHA1");

        PgpKeyPair ours = PgpKeyGenerator.builder().userId("Ours", "ours@example.org").generate();
        gpg.runOk("--digest-algo", "SHA256", "--detach-sign", "--output", dir.resolve("g.sig").toString(), f.toString());
        SignatureCheck wrongKey = PgpVerifier.builder().keys(ours.publicKey().getBytes(StandardCharsets.US_ASCII), "ours")
                .build().verifyDetached(f, Files.readAllBytes(dir.resolve("g.sig")), "g.sig");
        assertThat(wrongKey.status()).isEqualTo(SignatureStatus.UNKNOWN_KEY);
        assertThat(wrongKey.detail()).contains(fpr.substring(24));
    }

    @Test
    void expiredGpgKeyIsReported() throws Exception {
        gpg.runOk("--quick-gen-key", "Short <short@example.org>", "ed25519", "sign", "1d");
        Path key = dir.resolve("short.asc");
        gpg.runOk("--armor", "--output", key.toString(), "--export", "short@example.org");
        Path f = Files.writeString(dir.resolve("f"), "x\n");
        gpg.runOk("--detach-sign", "--output", dir.resolve("f.sig").toString(), f.toString());
        Clock in3days = Clock.offset(Clock.systemUTC(), java.time.Duration.ofDays(3));
        SignatureCheck c = PgpVerifier.builder().keys(key).clock(in3days).build()
                .verifyDetached(f, Files.readAllBytes(dir.resolve("f.sig")), "f.sig");
        assertThat(c.status()).isEqualTo(SignatureStatus.EXPIRED_KEY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ed25519", "rsa3072"})
    void weSignWithASecretKeyGpgExported(String algo) throws Exception {
        ReferenceTools.run(java.time.Duration.ofMinutes(2), null, "gpg", "--homedir", gpg.home.toString(), "--batch",
                "--pinentry-mode", "loopback", "--passphrase", "pass word", "--quick-gen-key",
                "Release <release@example.org>", algo, "sign", "1y").assertOk();
        Path secret = dir.resolve("release.sec.asc");
        ReferenceTools.run(java.time.Duration.ofMinutes(1), null, "gpg", "--homedir", gpg.home.toString(), "--batch",
                "--pinentry-mode", "loopback", "--passphrase", "pass word", "--armor", "--output", secret.toString(),
                "--export-secret-keys", "release@example.org").assertOk();
        PgpSigner signer = PgpSigner.builder().secretKey(secret).passphrase("pass word".toCharArray()).build();
        Path sums = Files.writeString(dir.resolve("SHA256SUMS"), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  x\n");
        Path asc = Files.writeString(dir.resolve("SHA256SUMS.asc"), signer.clearsign(Files.readString(sums)));
        Path sig = Files.write(dir.resolve("SHA256SUMS.sig"), signer.sign(sums, false));
        assertGood(gpg.run("--status-fd", "1", "--verify", asc.toString()), signer.fingerprint());
        assertGood(gpg.run("--status-fd", "1", "--verify", sig.toString(), sums.toString()), signer.fingerprint());
    }

    @Test
    void revokedGpgKeyIsReported() throws Exception {
        String fpr = gpg.generate("Gone <gone@example.org>", "ed25519");
        Path f = Files.writeString(dir.resolve("f"), "x\n");
        gpg.runOk("--detach-sign", "--output", dir.resolve("f.sig").toString(), f.toString());
        // gpg keeps a revocation certificate for every new key, guarded by a leading colon.
        Path rev = gpg.home.resolve("openpgp-revocs.d").resolve(fpr + ".rev");
        String cert = Files.readString(rev).replace(":-----BEGIN PGP PUBLIC KEY BLOCK-----",
                "-----BEGIN PGP PUBLIC KEY BLOCK-----");
        Path unguarded = Files.writeString(dir.resolve("rev.asc"), cert);
        gpg.runOk("--import", unguarded.toString());
        Path key = dir.resolve("gone.asc");
        gpg.runOk("--armor", "--output", key.toString(), "--export", fpr);
        SignatureCheck c = PgpVerifier.builder().keys(key).build()
                .verifyDetached(f, Files.readAllBytes(dir.resolve("f.sig")), "f.sig");
        assertThat(c.status()).isEqualTo(SignatureStatus.REVOKED_KEY);
        assertThat(c.detail()).contains("revoked");
    }

    private static void assertGood(ReferenceTools.Result r, String fingerprint) {
        assertThat(r.exit()).as(r.describe()).isZero();
        assertThat(r.stdout()).as(r.describe()).contains("[GNUPG:] GOODSIG").contains("VALIDSIG " + fingerprint);
    }

    private record KeyFilesHolder(Path secret, Path pub) {
        KeyFilesHolder(PgpKeyPair.KeyFiles f) {
            this(f.secretKey(), f.publicKey());
        }
    }
}
