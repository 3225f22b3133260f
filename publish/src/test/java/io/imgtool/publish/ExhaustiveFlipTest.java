package io.imgtool.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every single bit of an imgtool signature file and of a clearsigned SHA256SUMS.asc, flipped one at
 * a time: the verifier rejects each one.
 */
class ExhaustiveFlipTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-05-01T12:00:00Z"), ZoneOffset.UTC);
    static final String SUMS = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  image.raw.xz\n"
            + "\\60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752  we\\\\ird\n";

    @ParameterizedTest
    @EnumSource(PgpKeyGenerator.Algorithm.class)
    void everyBitOfEverySignatureForm(PgpKeyGenerator.Algorithm alg) throws Exception {
        PgpKeyPair key = PgpKeyGenerator.builder().userId("X", "x@example.org").algorithm(alg).clock(CLOCK)
                .random(PgpTest.seeded(9)).generate();
        PgpSigner signer = PgpSigner.builder().secretKey(key.secretKey()).clock(CLOCK).build();
        PgpVerifier v = PgpVerifier.builder().keys(key.publicKey().getBytes(StandardCharsets.US_ASCII), "k")
                .clock(CLOCK).build();
        byte[] data = SUMS.getBytes(StandardCharsets.UTF_8);
        int checked = 0;
        for (boolean armored : new boolean[] {false, true}) {
            byte[] sig = signer.sign(new ByteArrayInputStream(data), armored);
            assertThat(v.verifyDetached(new ByteArrayInputStream(data), sig, "sig").ok()).isTrue();
            for (int i = 0; i < sig.length * 8; i++) {
                byte[] bad = sig.clone();
                bad[i / 8] ^= (byte) (1 << (i % 8));
                SignatureCheck c = v.verifyDetached(new ByteArrayInputStream(data), bad, "sig");
                assertThat(c.ok()).as("%s signature, bit %d of byte %d", armored ? "armored" : "binary", i % 8, i / 8)
                        .isFalse();
                checked++;
            }
        }
        byte[] clear = signer.clearsign(SUMS).getBytes(StandardCharsets.UTF_8);
        assertThat(v.verifyClearsigned(clear, "c").check().ok()).isTrue();
        for (int i = 0; i < clear.length * 8; i++) {
            byte[] bad = clear.clone();
            bad[i / 8] ^= (byte) (1 << (i % 8));
            ClearsignedMessage m = v.verifyClearsigned(bad, "c");
            assertThat(m.check().ok()).as("clearsigned, bit %d of byte %d", i % 8, i / 8).isFalse();
            checked++;
        }
        assertThat(checked).isGreaterThan(4000);
    }
}
