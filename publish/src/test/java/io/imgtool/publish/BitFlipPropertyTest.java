package io.imgtool.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.testdata.ReferenceTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * One flipped bit anywhere — in an artifact, in the sums file, in the signature — and
 * {@link ArtifactVerifier} says no. Run over imgtool's clearsigned and detached (armored and binary)
 * signatures and over GnuPG's, whose unhashed issuer subpacket the verifier must not let pass
 * changed.
 */
class BitFlipPropertyTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T00:00:00Z"), ZoneOffset.UTC);

    /** Variant → file name → content; the first file of each variant is the one verified. */
    static Map<String, Map<String, byte[]>> fixtures;
    static Map<String, byte[]> keys;
    static Path root;

    static synchronized void setUp() {
        if (fixtures != null) {
            return;
        }
        try {
            root = Files.createTempDirectory("bitflip");
            PgpKeyPair key = PgpKeyGenerator.builder().userId("Flip", "flip@example.org").clock(CLOCK).generate();
            PgpSigner signer = PgpSigner.builder().secretKey(key.secretKey()).clock(CLOCK).build();
            byte[] a = "first artifact, the image\n".repeat(20).getBytes(StandardCharsets.US_ASCII);
            byte[] b = new byte[300];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) (i * 7);
            }
            Path src = Files.createDirectories(root.resolve("src"));
            Files.write(src.resolve("disk.raw.xz"), a);
            Files.write(src.resolve("disk.json"), b);
            byte[] sums = Checksums.builder().build()
                    .sumsFile(List.of(src.resolve("disk.raw.xz"), src.resolve("disk.json")), src).toBytes();
            fixtures = new TreeMap<>();
            keys = new TreeMap<>();
            keys.put("ours", key.publicKey().getBytes(StandardCharsets.US_ASCII));
            fixtures.put("clearsigned", Map.of("SHA256SUMS.asc",
                    signer.clearsign(new String(sums, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8),
                    "disk.raw.xz", a, "disk.json", b));
            fixtures.put("detached-asc", Map.of("SHA256SUMS", sums,
                    "SHA256SUMS.asc", signer.sign(new java.io.ByteArrayInputStream(sums), true),
                    "disk.raw.xz", a, "disk.json", b));
            fixtures.put("detached-sig", Map.of("SHA256SUMS", sums,
                    "SHA256SUMS.sig", signer.sign(new java.io.ByteArrayInputStream(sums), false),
                    "disk.raw.xz", a, "disk.json", b));
            if (ReferenceTools.find("gpg") != null) {
                try (Gpg gpg = new Gpg(root)) {
                    String fpr = gpg.generate("Upstream <up@example.org>", "ed25519");
                    Path s = Files.write(src.resolve("SHA256SUMS"), sums);
                    gpg.runOk("--detach-sign", "--output", src.resolve("SHA256SUMS.sig").toString(), s.toString());
                    gpg.runOk("--clearsign", "--output", src.resolve("SHA256SUMS.asc").toString(), s.toString());
                    gpg.runOk("--armor", "--output", src.resolve("up.asc").toString(), "--export", fpr);
                    keys.put("gpg", Files.readAllBytes(src.resolve("up.asc")));
                    fixtures.put("gpg-sig", Map.of("SHA256SUMS", sums,
                            "SHA256SUMS.sig", Files.readAllBytes(src.resolve("SHA256SUMS.sig")),
                            "disk.raw.xz", a, "disk.json", b));
                    fixtures.put("gpg-clearsigned", Map.of("SHA256SUMS.asc",
                            Files.readAllBytes(src.resolve("SHA256SUMS.asc")), "disk.raw.xz", a, "disk.json", b));
                }
            } else {
                ReferenceTools.require("gpg"); // skips loudly, or fails under CI
            }
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        if (root != null) {
            try (Stream<Path> s = Files.walk(root)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** GnuPG's keys are made now, ours at {@link #CLOCK}: verify each at its own time. */
    static ArtifactVerifier verifier(String variant) throws IOException {
        boolean gpg = variant.startsWith("gpg");
        PgpVerifier v = PgpVerifier.builder().keys(keys.get(gpg ? "gpg" : "ours"), "key")
                .clock(gpg ? Clock.systemUTC() : CLOCK).build();
        return ArtifactVerifier.builder().verifier(v).build();
    }

    @Property(tries = 600)
    void anyFlippedBitIsRejected(@ForAll @IntRange(min = 0, max = 4) int variant,
                                 @ForAll @IntRange(min = 0, max = 2) int fileIndex,
                                 @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false) double where,
                                 @ForAll @IntRange(min = 0, max = 7) int bit) throws IOException {
        setUp();
        List<String> names = List.copyOf(fixtures.keySet());
        String v = names.get(variant % names.size());
        Map<String, byte[]> files = fixtures.get(v);
        // Sorted: the sums/signature files and the two artifacts.
        List<String> fileNames = files.keySet().stream().sorted().toList();
        String target = fileNames.get(fileIndex % fileNames.size());
        Path d = Files.createTempDirectory(root, "try");
        try {
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                byte[] content = e.getValue().clone();
                if (e.getKey().equals(target)) {
                    int pos = (int) (where * content.length);
                    content[pos] ^= (byte) (1 << bit);
                }
                Files.write(d.resolve(e.getKey()), content);
            }
            Path verified = d.resolve(files.containsKey("SHA256SUMS") ? "SHA256SUMS" : "SHA256SUMS.asc");
            VerifyReport r = verifier(v).verify(verified, null);
            assertThat(r.ok()).as("variant %s, flipped bit %d at %.4f of %s: %s", v, bit, where, target, r).isFalse();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try (Stream<Path> s = Files.walk(d)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Property(tries = 5)
    void unchangedFilesVerify(@ForAll @IntRange(min = 0, max = 4) int variant) throws IOException {
        setUp();
        List<String> names = List.copyOf(fixtures.keySet());
        String v = names.get(variant % names.size());
        Path d = Files.createTempDirectory(root, "ok");
        for (Map.Entry<String, byte[]> e : fixtures.get(v).entrySet()) {
            Files.write(d.resolve(e.getKey()), e.getValue());
        }
        Path verified = d.resolve(fixtures.get(v).containsKey("SHA256SUMS") ? "SHA256SUMS" : "SHA256SUMS.asc");
        VerifyReport r = verifier(v).verify(verified, null);
        assertThat(r.ok()).as("%s: %s", v, r).isTrue();
        assertThat(r.files()).hasSize(2);
    }
}
