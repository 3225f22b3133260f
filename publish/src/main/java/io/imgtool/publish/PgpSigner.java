package io.imgtool.publish;

import io.imgtool.core.ImageException;
import io.imgtool.publish.internal.Armor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPKeyRing;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureGenerator;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.api.OpenPGPCertificate;
import org.bouncycastle.openpgp.operator.bc.BcPBESecretKeyDecryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider;

/**
 * Signs with an OpenPGP secret key: clearsigned text ({@code SHA256SUMS.asc}) and detached
 * signatures, armored ({@code .asc}) or binary ({@code .sig}), all version 4 as GnuPG writes them.
 *
 * <p>Signatures carry their creation time, the issuer's fingerprint and key ID, all in the hashed
 * area: nothing in a signature made here is left unprotected. The creation time comes from the
 * injected clock; Ed25519 and RSA signatures are deterministic, so a fixed clock gives identical
 * bytes run after run.
 *
 * <pre>{@code
 * PgpSigner signer = PgpSigner.builder().secretKey(Path.of("signing-key.secret.asc")).build();
 * Files.writeString(dir.resolve("SHA256SUMS.asc"), signer.clearsign(sums.format()));
 * }</pre>
 */
public final class PgpSigner {

    private final PGPPrivateKey privateKey;
    private final PGPPublicKey publicKey;
    private final String userId;
    private final HashAlgorithm hash;
    private final Clock clock;

    private PgpSigner(PGPPrivateKey privateKey, PGPPublicKey publicKey, String userId, HashAlgorithm hash, Clock clock) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.userId = userId;
        this.hash = hash;
        this.clock = clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options for a signer. */
    public static final class Builder {
        private byte[] key;
        private String origin = "secret key";
        private char[] passphrase;
        private HashAlgorithm hash = HashAlgorithm.SHA512;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** The secret key file (armored or binary; a keyring's first usable signing key is taken). */
        public Builder secretKey(Path file) throws IOException {
            this.key = PgpKeys.readFile(file);
            this.origin = file.toString();
            return this;
        }

        /** The secret key as armored text. */
        public Builder secretKey(String armored) {
            this.key = armored.getBytes(StandardCharsets.US_ASCII);
            return this;
        }

        public Builder passphrase(char[] passphrase) {
            this.passphrase = passphrase == null ? null : passphrase.clone();
            return this;
        }

        /** The digest the signature uses (default SHA-512, as Debian signs). */
        public Builder hash(HashAlgorithm hash) {
            this.hash = Objects.requireNonNull(hash);
            return this;
        }

        /** The clock that dates signatures (default: the system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /**
         * Loads the key and unlocks it.
         *
         * @throws ImageException INVALID_ARGUMENT for a wrong or missing passphrase or a key that
         *         cannot sign; CORRUPT for an unreadable key file
         */
        public PgpSigner build() throws ImageException {
            if (key == null) {
                throw new IllegalArgumentException("no secret key given");
            }
            Date now = Date.from(clock.instant());
            List<PGPKeyRing> rings = PgpKeys.read(key, origin);
            for (PGPKeyRing ring : rings) {
                if (!(ring instanceof PGPSecretKeyRing secret)) {
                    continue;
                }
                List<OpenPGPCertificate.OpenPGPComponentKey> signing;
                try {
                    OpenPGPCertificate cert = new OpenPGPCertificate(PgpKeys.publicRings(List.of(ring)).get(0));
                    signing = cert.getSigningKeys(now);
                } catch (RuntimeException e) {
                    throw new io.imgtool.core.ImageFormatException(origin, "OpenPGP key", -1, null,
                            "unusable key: " + e.getMessage(), e);
                }
                // Prefer the newest signing key, as gpg does.
                for (int i = signing.size() - 1; i >= 0; i--) {
                    PGPSecretKey sk = secret.getSecretKey(signing.get(i).getKeyIdentifier());
                    if (sk == null || sk.isPrivateKeyEmpty()) {
                        continue;
                    }
                    PGPPrivateKey pk = unlock(sk, passphrase, origin);
                    String uid = PgpKeys.primaryUserId(secret.getPublicKey());
                    return new PgpSigner(pk, sk.getPublicKey(), uid, hash, clock);
                }
            }
            boolean anySecret = rings.stream().anyMatch(r -> r instanceof PGPSecretKeyRing);
            throw ImageException.invalidArgument(origin + ": " + (anySecret
                    ? "no secret key that may sign now (expired, revoked, without the sign flag, or a stub)"
                    : "holds only public keys; a secret key is needed to sign"));
        }

        private static PGPPrivateKey unlock(PGPSecretKey sk, char[] passphrase, String origin) throws ImageException {
            try {
                boolean protectedKey = sk.getKeyEncryptionAlgorithm() != 0;
                if (protectedKey && passphrase == null) {
                    throw ImageException.invalidArgument(origin + ": the secret key is protected by a passphrase");
                }
                return sk.extractPrivateKey(protectedKey
                        ? new BcPBESecretKeyDecryptorBuilder(new BcPGPDigestCalculatorProvider()).build(passphrase)
                        : null);
            } catch (PGPException e) {
                throw ImageException.invalidArgument(origin + ": cannot unlock the secret key (wrong passphrase?): "
                        + e.getMessage());
            }
        }
    }

    /** The signing key's fingerprint (40 uppercase hex digits). */
    public String fingerprint() {
        return PgpKeys.fingerprint(publicKey);
    }

    /** The primary user ID of the signing key's certificate, or null. */
    public String userId() {
        return userId;
    }

    /**
     * Clearsigns text (RFC 4880 section 7): the text stays readable, followed by the armored
     * signature over its canonical form. Refuses text that a clearsignature cannot protect exactly:
     * carriage returns, and spaces or tabs at the end of a line (they are not signed); use a
     * detached signature for such text.
     */
    public String clearsign(String text) throws ImageException {
        String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        String[] lines = body.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i];
            if (l.indexOf('\r') >= 0 || l.indexOf('\0') >= 0) {
                throw ImageException.invalidArgument("line " + (i + 1)
                        + " holds a carriage return or NUL: clearsigning would not protect it; use a detached signature");
            }
            if (l.endsWith(" ") || l.endsWith("\t")) {
                throw ImageException.invalidArgument("line " + (i + 1)
                        + " ends in a space or tab, which a clearsignature does not sign; use a detached signature");
            }
        }
        byte[] canonical = String.join("\r\n", lines).getBytes(StandardCharsets.UTF_8);
        PGPSignature sig = sign(PGPSignature.CANONICAL_TEXT_DOCUMENT, canonical);
        StringBuilder sb = new StringBuilder(text.length() + 512);
        sb.append("-----BEGIN PGP SIGNED MESSAGE-----\n");
        sb.append("Hash: ").append(hash.tag()).append("\n\n");
        for (String l : lines) {
            if (l.startsWith("-")) {
                sb.append("- ");
            }
            sb.append(l).append('\n');
        }
        sb.append(armor(sig));
        return sb.toString();
    }

    /** A detached binary-document signature over {@code data}: armored text bytes, or binary. */
    public byte[] sign(InputStream data, boolean armored) throws IOException {
        PGPSignatureGenerator g = generator(PGPSignature.BINARY_DOCUMENT);
        byte[] buf = new byte[1 << 20];
        int n;
        while ((n = data.read(buf)) > 0) {
            g.update(buf, 0, n);
        }
        PGPSignature sig = generate(g);
        return armored ? armor(sig).getBytes(StandardCharsets.US_ASCII) : sig.getEncoded();
    }

    /** A detached signature over a file. */
    public byte[] sign(Path file, boolean armored) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return sign(in, armored);
        }
    }

    private PGPSignature sign(int type, byte[] data) throws ImageException {
        PGPSignatureGenerator g = generator(type);
        g.update(data);
        return generate(g);
    }

    private PGPSignatureGenerator generator(int type) throws ImageException {
        try {
            PGPSignatureGenerator g = new PGPSignatureGenerator(
                    new BcPGPContentSignerBuilder(publicKey.getAlgorithm(), hashTag(hash)), publicKey);
            g.init(type, privateKey);
            PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
            hashed.setSignatureCreationTime(false, Date.from(Instant.ofEpochSecond(clock.instant().getEpochSecond())));
            hashed.setIssuerFingerprint(false, publicKey);
            hashed.setIssuerKeyID(false, publicKey.getKeyID());
            g.setHashedSubpackets(hashed.generate());
            g.setUnhashedSubpackets(new PGPSignatureSubpacketGenerator().generate());
            return g;
        } catch (PGPException e) {
            throw PgpKeys.wrap("signing", e);
        }
    }

    private static PGPSignature generate(PGPSignatureGenerator g) throws ImageException {
        try {
            return g.generate();
        } catch (PGPException e) {
            throw PgpKeys.wrap("signing", e);
        }
    }

    private static String armor(PGPSignature sig) throws ImageException {
        try {
            return Armor.encode("SIGNATURE", sig.getEncoded());
        } catch (IOException e) {
            throw new ImageException(ImageException.Kind.IO, "encoding a signature: " + e.getMessage(), e);
        }
    }

    static int hashTag(HashAlgorithm h) {
        return switch (h) {
            case SHA224 -> HashAlgorithmTags.SHA224;
            case SHA256 -> HashAlgorithmTags.SHA256;
            case SHA384 -> HashAlgorithmTags.SHA384;
            case SHA512 -> HashAlgorithmTags.SHA512;
        };
    }
}
