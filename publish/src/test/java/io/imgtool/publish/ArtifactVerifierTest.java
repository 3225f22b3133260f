package io.imgtool.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactVerifierTest {

    @TempDir
    Path dir;

    @Test
    void signatureIsRequiredWhenKeysAreGivenAndFoundBesideTheFile() throws Exception {
        PgpKeyPair k = PgpTest.key(PgpKeyGenerator.Algorithm.ED25519, 11);
        Path a = Files.writeString(dir.resolve("a.img"), "A");
        Path b = Files.writeString(dir.resolve("b.img"), "B");
        SumsFile sums = Checksums.builder().build().sumsFile(List.of(a, b), dir);
        Path sumsFile = Files.write(dir.resolve("SHA256SUMS"), sums.toBytes());
        PgpVerifier v = PgpVerifier.builder().keys(k.publicKey().getBytes(), "k").build();
        ArtifactVerifier av = ArtifactVerifier.builder().verifier(v).build();

        VerifyReport none = av.verify(sumsFile, null);
        assertThat(none.ok()).isFalse();
        assertThat(none.signature().status()).isEqualTo(SignatureStatus.NO_SIGNATURE);
        assertThat(none.files()).isEmpty();

        Files.write(dir.resolve("SHA256SUMS.sign"), PgpTest.signer(k, java.time.Clock.systemUTC()).sign(sumsFile, true));
        VerifyReport found = av.verify(sumsFile, null);
        assertThat(found.ok()).as(found.toString()).isTrue();
        assertThat(found.signatureFile()).isEqualTo(dir.resolve("SHA256SUMS.sign"));

        Files.delete(b);
        assertThat(av.verify(sumsFile, null).ok()).isFalse();
        VerifyReport partial = ArtifactVerifier.builder().verifier(v).ignoreMissing(true).build().verify(sumsFile, null);
        assertThat(partial.ok()).isTrue();
        assertThat(partial.files()).extracting(FileCheck::name).containsExactly("a.img");
        Files.delete(a);
        VerifyReport nothing = ArtifactVerifier.builder().verifier(v).ignoreMissing(true).build().verify(sumsFile, null);
        assertThat(nothing.ok()).isFalse();
        assertThat(nothing.problem()).contains("none of the listed files");
    }

    @Test
    void unsignedModeChecksDigestsOfPlainAndClearsignedFiles() throws Exception {
        Path a = Files.writeString(dir.resolve("a.img"), "A");
        SumsFile sums = Checksums.builder().algorithm(HashAlgorithm.SHA512).build().sumsFile(List.of(a), dir);
        Path plain = Files.write(dir.resolve("SHA512SUMS"), sums.toBytes());
        PgpKeyPair k = PgpTest.key(PgpKeyGenerator.Algorithm.ED25519, 12);
        Path clear = Files.writeString(dir.resolve("SHA512SUMS.asc"),
                PgpTest.signer(k, java.time.Clock.systemUTC()).clearsign(sums.format()));
        ArtifactVerifier unsigned = ArtifactVerifier.builder().build();
        for (Path p : List.of(plain, clear)) {
            VerifyReport r = unsigned.verify(p, null);
            assertThat(r.ok()).as(r.toString()).isTrue();
            assertThat(r.signature()).isNull();
            assertThat(r.files()).hasSize(1);
        }
        Files.writeString(dir.resolve("broken.asc"), "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nx\n");
        VerifyReport broken = unsigned.verify(dir.resolve("broken.asc"), null);
        assertThat(broken.ok()).isFalse();
        assertThat(broken.problem()).contains("BEGIN PGP SIGNATURE");
        Files.writeString(dir.resolve("garbage"), "not a sums file\n");
        assertThat(unsigned.verify(dir.resolve("garbage"), null).problem()).contains("line 1");
    }
}
