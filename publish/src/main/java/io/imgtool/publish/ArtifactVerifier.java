package io.imgtool.publish;

import io.imgtool.core.ImageFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Checks a published set of artifacts the way a downloader should: first the signature over the sums
 * file (clearsigned {@code SHA256SUMS.asc}, or {@code SHA256SUMS} with a detached {@code .asc},
 * {@code .sig}, {@code .sign} or {@code .gpg} beside it), then — only from the signed bytes — the
 * digests of the files it lists.
 *
 * <pre>{@code
 * VerifyReport r = ArtifactVerifier.builder()
 *         .verifier(PgpVerifier.builder().keys(Path.of("debian-cd.gpg")).build())
 *         .checkFiles(true).ignoreMissing(true)
 *         .build()
 *         .verify(Path.of("SHA512SUMS"), null);   // finds SHA512SUMS.sign
 * }</pre>
 */
public final class ArtifactVerifier {

    /** Detached signature names tried beside a sums file, in this order. */
    public static final List<String> SIGNATURE_SUFFIXES = List.of(".asc", ".sig", ".sign", ".gpg");

    private final PgpVerifier verifier;
    private final boolean checkFiles;
    private final boolean ignoreMissing;
    private final Checksums checksums;

    private ArtifactVerifier(Builder b) {
        this.verifier = b.verifier;
        this.checkFiles = b.checkFiles;
        this.ignoreMissing = b.ignoreMissing;
        this.checksums = b.checksums;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options. */
    public static final class Builder {
        private PgpVerifier verifier;
        private boolean checkFiles = true;
        private boolean ignoreMissing;
        private Checksums checksums = Checksums.builder().build();

        private Builder() {
        }

        /** The keys to check signatures with; null checks no signature (digests only). */
        public Builder verifier(PgpVerifier verifier) {
            this.verifier = verifier;
            return this;
        }

        /** Whether to check the digests of the listed files (default true). */
        public Builder checkFiles(boolean check) {
            this.checkFiles = check;
            return this;
        }

        /** Skip listed files that are absent (as {@code sha256sum -c --ignore-missing}); default false. */
        public Builder ignoreMissing(boolean ignore) {
            this.ignoreMissing = ignore;
            return this;
        }

        /** The engine that hashes files (threads, buffers). */
        public Builder checksums(Checksums checksums) {
            this.checksums = Objects.requireNonNull(checksums);
            return this;
        }

        public ArtifactVerifier build() {
            return new ArtifactVerifier(this);
        }
    }

    /**
     * Verifies {@code file} (a sums file, clearsigned or not, or any file with a detached signature).
     *
     * @param detachedSignature the signature file, or null to use the clearsignature or look for one
     *                          beside {@code file}
     */
    public VerifyReport verify(Path file, Path detachedSignature) throws IOException {
        byte[] bytes = readBounded(file);
        Path dir = file.toAbsolutePath().getParent();
        byte[] signed = bytes;
        Path sigFile = null;
        SignatureCheck check = null;
        if (detachedSignature == null && PgpVerifier.isClearsigned(bytes)) {
            sigFile = file;
            if (verifier != null) {
                ClearsignedMessage m = verifier.verifyClearsigned(bytes, file.toString());
                check = m.check();
                signed = m.content();
            } else {
                try {
                    signed = PgpVerifier.parseClearsignedContent(bytes, file.toString());
                } catch (ImageFormatException e) {
                    return new VerifyReport(file, sigFile, null, List.of(), e.getMessage());
                }
            }
        } else if (verifier != null) {
            sigFile = detachedSignature != null ? detachedSignature : findSignature(file);
            if (sigFile == null) {
                check = SignatureCheck.failed(SignatureStatus.NO_SIGNATURE, "no signature: " + file
                        + " is not clearsigned and none of " + SIGNATURE_SUFFIXES + " lies beside it");
            } else {
                long size = Files.size(sigFile);
                if (size > PgpVerifier.MAX_SIGNATURE_FILE) {
                    check = SignatureCheck.failed(SignatureStatus.MALFORMED,
                            sigFile + ": " + size + " bytes is too large for a signature");
                } else {
                    check = verifier.verifyDetached(new java.io.ByteArrayInputStream(bytes),
                            Files.readAllBytes(sigFile), sigFile.toString());
                }
            }
        }
        if (check != null && !check.ok()) {
            // Nothing unsigned is trusted: the file list is not even read.
            return new VerifyReport(file, sigFile, check, List.of(), null);
        }
        if (!checkFiles) {
            return new VerifyReport(file, sigFile, check, List.of(), null);
        }
        SumsFile sums;
        try {
            sums = SumsFile.parse(signed, file.toString());
        } catch (ImageFormatException e) {
            return new VerifyReport(file, sigFile, check, List.of(), e.getMessage());
        }
        if (sums.entries().isEmpty()) {
            return new VerifyReport(file, sigFile, check, List.of(), file + " lists no files");
        }
        List<FileCheck> results = checksums.check(sums, dir);
        if (ignoreMissing) {
            List<FileCheck> present = new ArrayList<>();
            for (FileCheck c : results) {
                if (c.status() != FileCheck.Status.MISSING) {
                    present.add(c);
                }
            }
            if (present.isEmpty()) {
                return new VerifyReport(file, sigFile, check, present, "none of the listed files is present");
            }
            results = present;
        }
        return new VerifyReport(file, sigFile, check, results, null);
    }

    private static Path findSignature(Path file) {
        for (String suffix : SIGNATURE_SUFFIXES) {
            Path p = file.resolveSibling(file.getFileName() + suffix);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    private static byte[] readBounded(Path file) throws IOException {
        long size = Files.size(file);
        if (size > PgpVerifier.MAX_CLEARSIGNED_FILE) {
            throw new ImageFormatException(file.toString(), "size", -1, size, "too large for a sums file");
        }
        return Files.readAllBytes(file);
    }
}
