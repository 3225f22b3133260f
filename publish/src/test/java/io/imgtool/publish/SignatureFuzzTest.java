package io.imgtool.publish;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imgtool.core.ImageException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * Jazzer: the armor and signature parsers throw nothing but {@link ImageException}s (format or
 * unsupported feature), and the verifier entry points never throw for any signature or clearsigned
 * input: they return a verdict, and no hostile input is ever GOOD. Without {@code -Pfuzz} this
 * replays {@code SignatureFuzzTestInputs/}.
 */
class SignatureFuzzTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-15T10:00:00Z"), ZoneOffset.UTC);
    static final byte[] DATA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  x\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static PgpVerifier verifier;

    static synchronized PgpVerifier verifier() throws Exception {
        if (verifier == null) {
            PgpKeyPair k = PgpKeyGenerator.builder().userId("Fuzz", "fuzz@example.org").clock(CLOCK)
                    .random(PgpTest.seeded(1)).generate();
            verifier = PgpVerifier.builder().keys(k.publicKey().getBytes(StandardCharsets.US_ASCII), "k")
                    .clock(CLOCK).build();
        }
        return verifier;
    }

    @FuzzTest(maxDuration = "60s")
    void signatureFileParsing(byte[] input) {
        try {
            PgpVerifier.parseSignatureFile(input, "fuzz");
        } catch (ImageException expected) {
            // ImageFormatException or UnsupportedFeatureException.
        }
    }

    @FuzzTest(maxDuration = "60s")
    void detachedVerificationReturnsAVerdict(byte[] input) throws Exception {
        SignatureCheck c;
        try {
            c = verifier().verifyDetached(new ByteArrayInputStream(DATA), input, "fuzz");
        } catch (IOException e) {
            throw new AssertionError("an in-memory verification threw " + e, e);
        }
        if (c == null || c.status() == null) {
            throw new AssertionError("no verdict");
        }
    }

    @FuzzTest(maxDuration = "60s")
    void clearsignedVerificationReturnsAVerdict(byte[] input) throws Exception {
        ClearsignedMessage m = verifier().verifyClearsigned(input, "fuzz");
        if (m == null || m.check() == null || m.check().status() == null) {
            throw new AssertionError("no verdict");
        }
        if (m.check().ok() && m.content() == null) {
            throw new AssertionError("a GOOD message without its content");
        }
    }

    @FuzzTest(maxDuration = "60s")
    void keyParsing(byte[] input) {
        try {
            PgpVerifier.builder().keys(input, "fuzz").build();
        } catch (ImageException | IllegalArgumentException expected) {
            // Bad key files are format errors; an empty key set is an argument error.
        }
    }
}
