package io.imgtool.publish;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The last step of publishing: sums files over a set of artifacts and their signatures, in one call.
 * For {@code imgtool seal} and any pipeline that has its artifacts in one directory.
 *
 * <pre>{@code
 * Publication p = Publisher.builder()
 *         .algorithms(HashAlgorithm.SHA256, HashAlgorithm.SHA512)
 *         .signer(PgpSigner.builder().secretKey(key).build())
 *         .signatures(Publisher.Style.CLEARSIGNED)
 *         .build()
 *         .publish(outDir, List.of(outDir.resolve("disk.raw.xz")));
 * // outDir: SHA256SUMS, SHA256SUMS.asc, SHA512SUMS, SHA512SUMS.asc
 * }</pre>
 *
 * <p>Every output is checked not to exist before anything is written, then each is written under a
 * temporary name and renamed: an interrupted run leaves complete files or none.
 */
public final class Publisher {

    /** How sums files are signed. */
    public enum Style {
        /** {@code SHA256SUMS.asc}: the sums text and its signature in one file (RFC 4880 cleartext). */
        CLEARSIGNED(".asc"),
        /** {@code SHA256SUMS.sign}: an armored detached signature, as Debian names it. */
        DETACHED_ARMORED(".sign"),
        /** {@code SHA256SUMS.sig}: a binary detached signature. */
        DETACHED_BINARY(".sig");

        private final String suffix;

        Style(String suffix) {
            this.suffix = suffix;
        }

        /** What the signature file's name adds to the sums file's. */
        public String suffix() {
            return suffix;
        }
    }

    private final List<HashAlgorithm> algorithms;
    private final PgpSigner signer;
    private final Set<Style> styles;
    private final Checksums.Builder checksums;

    private Publisher(Builder b) {
        this.algorithms = List.copyOf(b.algorithms);
        this.signer = b.signer;
        this.styles = b.styles.isEmpty() ? EnumSet.of(Style.CLEARSIGNED) : EnumSet.copyOf(b.styles);
        this.checksums = b.checksums;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options. */
    public static final class Builder {
        private List<HashAlgorithm> algorithms = List.of(HashAlgorithm.SHA256);
        private PgpSigner signer;
        private final Set<Style> styles = EnumSet.noneOf(Style.class);
        private Checksums.Builder checksums = Checksums.builder();

        private Builder() {
        }

        /** One sums file per algorithm (default SHA-256 only). */
        public Builder algorithms(HashAlgorithm... algorithms) {
            if (algorithms.length == 0) {
                throw new IllegalArgumentException("at least one algorithm");
            }
            this.algorithms = List.of(algorithms);
            return this;
        }

        /** Signs the sums files; null (default) leaves them unsigned. */
        public Builder signer(PgpSigner signer) {
            this.signer = signer;
            return this;
        }

        /** Signature forms to write (default: clearsigned). */
        public Builder signatures(Style... styles) {
            this.styles.clear();
            this.styles.addAll(List.of(styles));
            return this;
        }

        /** Hashing options (threads, buffer size, binary marker). */
        public Builder checksums(Checksums.Builder checksums) {
            this.checksums = Objects.requireNonNull(checksums);
            return this;
        }

        public Publisher build() {
            return new Publisher(this);
        }
    }

    /**
     * What was written.
     *
     * @param sumsFiles the sums files, one per algorithm
     * @param signatures the signature files
     * @param digests every artifact's digests, by algorithm
     */
    public record Publication(List<Path> sumsFiles, List<Path> signatures, Map<HashAlgorithm, List<FileDigest>> digests) {
        public Publication {
            sumsFiles = List.copyOf(sumsFiles);
            signatures = List.copyOf(signatures);
            digests = Map.copyOf(digests);
        }
    }

    /** Writes the sums files (names relative to {@code dir}) and their signatures into {@code dir}. */
    public Publication publish(Path dir, List<Path> artifacts) throws IOException {
        if (artifacts.isEmpty()) {
            throw new IllegalArgumentException("nothing to publish");
        }
        Map<Path, byte[]> outputs = new LinkedHashMap<>();
        Map<HashAlgorithm, List<FileDigest>> digests = new LinkedHashMap<>();
        List<Path> sumsFiles = new ArrayList<>();
        List<Path> signatures = new ArrayList<>();
        for (HashAlgorithm a : algorithms) {
            List<FileDigest> d = checksums.algorithm(a).build().digestAll(artifacts, dir);
            digests.put(a, d);
            List<SumsEntry> entries = new ArrayList<>();
            for (FileDigest fd : d) {
                entries.add(fd.toEntry(false));
            }
            SumsFile sums = new SumsFile(entries);
            Path sumsPath = dir.resolve(a.sumsFileName());
            outputs.put(sumsPath, sums.toBytes());
            sumsFiles.add(sumsPath);
            if (signer != null) {
                for (Style s : styles) {
                    Path sig = dir.resolve(a.sumsFileName() + s.suffix());
                    byte[] bytes = switch (s) {
                        case CLEARSIGNED -> signer.clearsign(sums.format()).getBytes(StandardCharsets.UTF_8);
                        case DETACHED_ARMORED -> signer.sign(new java.io.ByteArrayInputStream(sums.toBytes()), true);
                        case DETACHED_BINARY -> signer.sign(new java.io.ByteArrayInputStream(sums.toBytes()), false);
                    };
                    outputs.put(sig, bytes);
                    signatures.add(sig);
                }
            }
        }
        for (Path p : outputs.keySet()) {
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(p.toString());
            }
        }
        for (Map.Entry<Path, byte[]> e : outputs.entrySet()) {
            writeAtomically(e.getKey(), e.getValue());
        }
        return new Publication(sumsFiles, signatures, digests);
    }

    private static void writeAtomically(Path target, byte[] content) throws IOException {
        Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), "." + target.getFileName(), ".part");
        try {
            Files.write(tmp, content);
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
