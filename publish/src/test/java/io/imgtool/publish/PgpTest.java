package io.imgtool.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.ImageException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PgpTest {

    static final Instant T0 = Instant.parse("2026-01-15T10:00:00Z");
    static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);
    static final String SUMS = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  debian-12.raw.xz\n"
            + "\\ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  odd\\nname\n"
            + "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad *-dash\n";

    @TempDir
    Path dir;

    static SecureRandom seeded(long seed) throws Exception {
        SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
        r.setSeed(seed);
        return r;
    }

    static PgpKeyPair key(PgpKeyGenerator.Algorithm alg, long seed) throws Exception {
        return PgpKeyGenerator.builder().userId("Image Builder", "images@example.org").algorithm(alg)
                .clock(CLOCK).random(seeded(seed)).generate();
    }

    static PgpSigner signer(PgpKeyPair k, Clock clock) throws Exception {
        return PgpSigner.builder().secretKey(k.secretKey()).clock(clock).build();
    }

    static PgpVerifier verifier(PgpKeyPair k, Clock clock) throws Exception {
        return PgpVerifier.builder().keys(k.publicKey().getBytes(StandardCharsets.US_ASCII), "pub").clock(clock).build();
    }

    @Test
    void keysAndSignaturesAreReproducibleWithAFixedClockAndRandom() throws Exception {
        PgpKeyPair a = key(PgpKeyGenerator.Algorithm.ED25519, 42);
        PgpKeyPair b = key(PgpKeyGenerator.Algorithm.ED25519, 42);
        assertThat(a).isEqualTo(b);
        assertThat(a.fingerprint()).hasSize(40);
        assertThat(a.created()).isEqualTo(T0);
        assertThat(signer(a, CLOCK).clearsign(SUMS)).isEqualTo(signer(b, CLOCK).clearsign(SUMS));
        byte[] s1 = signer(a, CLOCK).sign(new ByteArrayInputStream(new byte[] {1, 2, 3}), false);
        byte[] s2 = signer(b, CLOCK).sign(new ByteArrayInputStream(new byte[] {1, 2, 3}), false);
        assertThat(s1).isEqualTo(s2);
        assertThat(key(PgpKeyGenerator.Algorithm.ED25519, 43).fingerprint()).isNotEqualTo(a.fingerprint());
    }

    @Test
    void roundTripClearsignedAndDetached() throws Exception {
        PgpKeyPair k = key(PgpKeyGenerator.Algorithm.ED25519, 1);
        PgpSigner s = signer(k, CLOCK);
        PgpVerifier v = verifier(k, CLOCK.withZone(ZoneOffset.UTC));
        String signed = s.clearsign(SUMS);
        assertThat(signed).startsWith("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n" + SUMS.substring(0, 20));
        String dashed = s.clearsign("-----BEGIN PGP SIGNATURE-----\n-x\n\nplain\n");
        assertThat(dashed).contains("\n- -----BEGIN PGP SIGNATURE-----\n- -x\n\nplain\n-----BEGIN PGP SIGNATURE-----\n");
        ClearsignedMessage dm = v.verifyClearsigned(dashed.getBytes(StandardCharsets.UTF_8), "dashed");
        assertThat(dm.check().ok()).isTrue();
        assertThat(new String(dm.content(), StandardCharsets.UTF_8))
                .isEqualTo("-----BEGIN PGP SIGNATURE-----\n-x\n\nplain\n");
        ClearsignedMessage m = v.verifyClearsigned(signed.getBytes(StandardCharsets.UTF_8), "SHA256SUMS.asc");
        assertThat(m.check().status()).isEqualTo(SignatureStatus.GOOD);
        assertThat(new String(m.content(), StandardCharsets.UTF_8)).isEqualTo(SUMS);
        SignatureInfo info = m.check().signatures().get(0);
        assertThat(info.fingerprint()).isEqualTo(k.fingerprint());
        assertThat(info.userId()).isEqualTo("Image Builder <images@example.org>");
        assertThat(info.created()).isEqualTo(T0);

        byte[] data = "some artifact\n".getBytes(StandardCharsets.US_ASCII);
        for (boolean armored : new boolean[] {true, false}) {
            byte[] sig = s.sign(new ByteArrayInputStream(data), armored);
            assertThat(new String(sig, StandardCharsets.ISO_8859_1).startsWith("-----BEGIN PGP SIGNATURE-----\n\n"))
                    .isEqualTo(armored);
            assertThat(v.verifyDetached(new ByteArrayInputStream(data), sig, "sig").status())
                    .isEqualTo(SignatureStatus.GOOD);
            byte[] other = "some artifacT\n".getBytes(StandardCharsets.US_ASCII);
            SignatureCheck bad = v.verifyDetached(new ByteArrayInputStream(other), sig, "sig");
            assertThat(bad.status()).isEqualTo(SignatureStatus.BAD);
        }
    }

    @Test
    void rsaKeysWorkToo() throws Exception {
        PgpKeyPair k = key(PgpKeyGenerator.Algorithm.RSA4096, 5);
        String signed = signer(k, CLOCK).clearsign(SUMS);
        assertThat(verifier(k, CLOCK).verifyClearsigned(signed.getBytes(StandardCharsets.UTF_8), "x").check().ok())
                .isTrue();
    }

    @Test
    void passphraseProtectsTheSecretKey() throws Exception {
        PgpKeyPair k = PgpKeyGenerator.builder().userId("P", "p@example.org").passphrase("s3cret".toCharArray())
                .clock(CLOCK).generate();
        assertThatThrownBy(() -> PgpSigner.builder().secretKey(k.secretKey()).clock(CLOCK).build())
                .isInstanceOf(ImageException.class).hasMessageContaining("passphrase");
        assertThatThrownBy(() -> PgpSigner.builder().secretKey(k.secretKey()).passphrase("wrong".toCharArray())
                .clock(CLOCK).build()).isInstanceOf(ImageException.class).hasMessageContaining("wrong passphrase");
        PgpSigner s = PgpSigner.builder().secretKey(k.secretKey()).passphrase("s3cret".toCharArray()).clock(CLOCK).build();
        assertThat(verifier(k, CLOCK).verifyClearsigned(s.clearsign("x\n").getBytes(), "x").check().ok()).isTrue();
        assertThatThrownBy(() -> PgpSigner.builder().secretKey(k.publicKey()).clock(CLOCK).build())
                .isInstanceOf(ImageException.class).hasMessageContaining("only public keys");
    }

    @Test
    void clearsignRefusesWhatItCannotProtect() throws Exception {
        PgpSigner s = signer(key(PgpKeyGenerator.Algorithm.ED25519, 2), CLOCK);
        assertThatThrownBy(() -> s.clearsign("abc  name \n")).hasMessageContaining("ends in a space");
        assertThatThrownBy(() -> s.clearsign("abc\r\n")).hasMessageContaining("carriage return");
    }

    @Test
    void clearErrorsForWrongKeyExpiredKeyAndNoSignature() throws Exception {
        PgpKeyPair k = key(PgpKeyGenerator.Algorithm.ED25519, 3);
        PgpKeyPair other = key(PgpKeyGenerator.Algorithm.ED25519, 4);
        byte[] signed = signer(k, CLOCK).clearsign(SUMS).getBytes(StandardCharsets.UTF_8);
        SignatureCheck wrong = verifier(other, CLOCK).verifyClearsigned(signed, "x").check();
        assertThat(wrong.status()).isEqualTo(SignatureStatus.UNKNOWN_KEY);
        assertThat(wrong.detail()).contains(k.keyId());

        PgpKeyPair shortLived = PgpKeyGenerator.builder().userId("S", "s@example.org").clock(CLOCK)
                .validity(Duration.ofDays(1)).generate();
        byte[] s2 = signer(shortLived, CLOCK).clearsign(SUMS).getBytes(StandardCharsets.UTF_8);
        assertThat(verifier(shortLived, CLOCK).verifyClearsigned(s2, "x").check().ok()).isTrue();
        Clock later = Clock.offset(CLOCK, Duration.ofDays(2));
        SignatureCheck expired = verifier(shortLived, later).verifyClearsigned(s2, "x").check();
        assertThat(expired.status()).isEqualTo(SignatureStatus.EXPIRED_KEY);
        assertThat(expired.detail()).contains("expired");

        SignatureCheck future = verifier(k, Clock.offset(CLOCK, Duration.ofDays(-1))).verifyClearsigned(signed, "x").check();
        assertThat(future.status()).isIn(SignatureStatus.FUTURE_SIGNATURE, SignatureStatus.NOT_SIGNING_KEY);

        SignatureCheck none = verifier(k, CLOCK).verifyClearsigned(SUMS.getBytes(StandardCharsets.UTF_8), "x").check();
        assertThat(none.status()).isEqualTo(SignatureStatus.MALFORMED);
        assertThat(none.detail()).contains("BEGIN PGP SIGNED MESSAGE");
        SignatureCheck empty = verifier(k, CLOCK).verifyDetached(new ByteArrayInputStream(new byte[1]), new byte[0], "e");
        assertThat(empty.status()).isEqualTo(SignatureStatus.MALFORMED);
    }

    @Test
    void signaturePacketsCarryNothingUnhashed() throws Exception {
        PgpKeyPair k = key(PgpKeyGenerator.Algorithm.ED25519, 6);
        byte[] sig = signer(k, CLOCK).sign(new ByteArrayInputStream(new byte[0]), false);
        List<org.bouncycastle.openpgp.PGPSignature> sigs = PgpVerifier.parseSignatureFile(sig, "sig");
        assertThat(sigs).hasSize(1);
        assertThat(sigs.get(0).getUnhashedSubPackets().toArray()).isEmpty();
        assertThat(sigs.get(0).getHashedSubPackets().getIssuerFingerprint()).isNotNull();
    }

    @Test
    void keyFilesMayHoldSeveralArmoredBlocksAndBrokenOnesAreRejected() throws Exception {
        PgpKeyPair a = key(PgpKeyGenerator.Algorithm.ED25519, 21);
        PgpKeyPair b = key(PgpKeyGenerator.Algorithm.ED25519, 22);
        byte[] both = ("# keys\n" + a.publicKey() + "\n" + b.publicKey()).getBytes(StandardCharsets.US_ASCII);
        PgpVerifier v = PgpVerifier.builder().keys(both, "both").clock(CLOCK).build();
        assertThat(v.trustedFingerprints()).containsExactly(a.fingerprint(), b.fingerprint());
        String signed = signer(b, CLOCK).clearsign(SUMS);
        assertThat(v.verifyClearsigned(signed.getBytes(StandardCharsets.UTF_8), "x").check().ok()).isTrue();
        String cut = a.publicKey().substring(0, a.publicKey().indexOf("-----END"));
        assertThatThrownBy(() -> PgpVerifier.builder().keys(cut.getBytes(StandardCharsets.US_ASCII), "cut.asc"))
                .isInstanceOf(io.imgtool.core.ImageFormatException.class).hasMessageContaining("cut.asc");
        byte[] kbx = new byte[32];
        System.arraycopy("KBXf".getBytes(StandardCharsets.US_ASCII), 0, kbx, 8, 4);
        assertThatThrownBy(() -> PgpVerifier.builder().keys(kbx, "pubring.kbx"))
                .isInstanceOf(io.imgtool.core.UnsupportedFeatureException.class).hasMessageContaining("gpg --export");
    }

    @Test
    void hostileKeyPacketLengthsAreFormatErrorsNotAllocations() {
        // Old-format packets (public key, user ID, signature) that declare 2 GiB bodies in a few bytes,
        // and a new-format one with a 4-byte length.
        byte[][] inputs = {
            {(byte) 0x9a, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 4, 1, 2, 3},
            {(byte) 0xb6, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 'a', 'b'},
            {(byte) 0xc6, (byte) 0xff, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 4, 0, 0, 0, 0, 22},
            {(byte) 0x8a, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 4},
        };
        for (byte[] in : inputs) {
            assertThatThrownBy(() -> PgpVerifier.builder().keys(in, "hostile.gpg"))
                    .isInstanceOf(ImageException.class).hasMessageContaining("hostile.gpg");
        }
    }

    static Path write(Path p, String s) throws IOException {
        return Files.writeString(p, s, StandardCharsets.UTF_8);
    }
}
