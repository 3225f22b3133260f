package io.imgtool.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.testdata.ReferenceTools;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublisherTest {

    @TempDir
    Path dir;

    @Test
    void writesSumsAndEverySignatureFormThatToolsAccept() throws Exception {
        Path img = Files.writeString(dir.resolve("disk.raw.xz"), "xz\n");
        Path meta = Files.writeString(dir.resolve("disk.json"), "{}\n");
        PgpKeyPair key = PgpTest.key(PgpKeyGenerator.Algorithm.ED25519, 31);
        Publisher.Publication p = Publisher.builder()
                .algorithms(HashAlgorithm.SHA256, HashAlgorithm.SHA512)
                .signer(PgpSigner.builder().secretKey(key.secretKey()).build())
                .signatures(Publisher.Style.CLEARSIGNED, Publisher.Style.DETACHED_ARMORED, Publisher.Style.DETACHED_BINARY)
                .build().publish(dir, List.of(img, meta));
        assertThat(p.sumsFiles()).containsExactly(dir.resolve("SHA256SUMS"), dir.resolve("SHA512SUMS"));
        assertThat(p.signatures()).hasSize(6).allMatch(Files::isRegularFile);
        assertThat(p.digests().get(HashAlgorithm.SHA512)).extracting(FileDigest::name)
                .containsExactly("disk.raw.xz", "disk.json");
        ReferenceTools.run(Duration.ofMinutes(1), null, "sh", "-c",
                "cd \"$1\" && sha256sum --strict -c SHA256SUMS && sha512sum --strict -c SHA512SUMS", "sh",
                dir.toString()).assertOk();
        PgpVerifier v = PgpVerifier.builder().keys(key.publicKey().getBytes(), "k").build();
        for (Path s : p.signatures()) {
            Path sums = dir.resolve(s.getFileName().toString().replaceAll("\\.(asc|sig|sign)$", ""));
            VerifyReport r = ArtifactVerifier.builder().verifier(v).build()
                    .verify(s.toString().endsWith(".asc") ? s : sums, s.toString().endsWith(".asc") ? null : s);
            assertThat(r.ok()).as(s + ": " + r).isTrue();
            assertThat(r.files()).hasSize(2);
        }
        try (Gpg gpg = new Gpg(dir)) {
            Files.writeString(dir.resolve("k.pub"), key.publicKey());
            gpg.runOk("--import", dir.resolve("k.pub").toString());
            gpg.runOk("--verify", dir.resolve("SHA512SUMS.asc").toString());
            gpg.runOk("--verify", dir.resolve("SHA512SUMS.sign").toString(), dir.resolve("SHA512SUMS").toString());
            gpg.runOk("--verify", dir.resolve("SHA256SUMS.sig").toString(), dir.resolve("SHA256SUMS").toString());
        }
    }

    @Test
    void writesNothingWhenAnyOutputExists() throws Exception {
        Path img = Files.writeString(dir.resolve("a.img"), "A");
        Files.writeString(dir.resolve("SHA512SUMS"), "old");
        Publisher pub = Publisher.builder().algorithms(HashAlgorithm.SHA256, HashAlgorithm.SHA512).build();
        assertThatThrownBy(() -> pub.publish(dir, List.of(img))).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(dir.resolve("SHA256SUMS")).doesNotExist();
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("a.img", "SHA512SUMS");
        }
    }
}
