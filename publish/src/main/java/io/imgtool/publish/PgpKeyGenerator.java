package io.imgtool.publish;

import io.imgtool.core.ImageException;
import java.io.IOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Objects;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.PublicKeyAlgorithmTags;
import org.bouncycastle.bcpg.PublicKeyPacket;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.bcpg.sig.Features;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.generators.RSAKeyPairGenerator;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.crypto.params.RSAKeyGenerationParameters;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPKeyPair;
import org.bouncycastle.openpgp.PGPKeyRingGenerator;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.operator.PBESecretKeyEncryptor;
import org.bouncycastle.openpgp.operator.PGPDigestCalculator;
import org.bouncycastle.openpgp.operator.bc.BcPBESecretKeyEncryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider;
import org.bouncycastle.openpgp.operator.bc.BcPGPKeyPair;

/**
 * Makes an OpenPGP signing key: one version 4 primary key that certifies and signs, one user ID,
 * a positive self-certification. Ed25519 by default: GnuPG 2.1 and later (Debian 10+, RHEL 8+)
 * verify it, keys and signatures are small, and signatures are deterministic, so with a fixed
 * clock the same key signs the same file to the same bytes. RSA-4096 is there for verifiers older
 * than that.
 *
 * <pre>{@code
 * PgpKeyPair key = PgpKeyGenerator.builder().userId("Image Builder", "images@example.org").generate();
 * key.write(Path.of("signing-key"));   // signing-key.secret.asc, signing-key.public.asc
 * }</pre>
 */
public final class PgpKeyGenerator {

    /** Key algorithms offered. */
    public enum Algorithm {
        /** EdDSA over Curve25519 in its version 4 encoding (algorithm 22), as GnuPG 2.1+ makes it. */
        ED25519,
        /** RSA with a 4096-bit modulus. */
        RSA4096
    }

    private final Builder b;

    private PgpKeyGenerator(Builder b) {
        this.b = b;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options for a key. */
    public static final class Builder {
        private String userId;
        private Algorithm algorithm = Algorithm.ED25519;
        private char[] passphrase;
        private Clock clock = Clock.systemUTC();
        private SecureRandom random;
        private Duration validity;

        private Builder() {
        }

        /** The user ID "NAME &lt;EMAIL&gt;". */
        public Builder userId(String name, String email) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank() || name.contains("<") || name.contains(">")) {
                throw new IllegalArgumentException("a key's name must be non-empty and free of '<' and '>'");
            }
            if (email == null || email.isBlank()) {
                return userId(name.strip());
            }
            if (!email.matches("[^<>\\s@]+@[^<>\\s@]+")) {
                throw new IllegalArgumentException("not an e-mail address: '" + email + "'");
            }
            return userId(name.strip() + " <" + email.strip() + ">");
        }

        /** The user ID as given. */
        public Builder userId(String userId) {
            if (userId == null || userId.isBlank() || userId.chars().anyMatch(c -> c < 0x20)) {
                throw new IllegalArgumentException("a user ID must be non-empty and free of control characters");
            }
            this.userId = userId;
            return this;
        }

        public Builder algorithm(Algorithm algorithm) {
            this.algorithm = Objects.requireNonNull(algorithm);
            return this;
        }

        /** Protects the secret key (AES-256, iterated and salted SHA-256 S2K); null leaves it clear. */
        public Builder passphrase(char[] passphrase) {
            this.passphrase = passphrase == null || passphrase.length == 0 ? null : passphrase.clone();
            return this;
        }

        /** The clock that dates the key and its self-signature (default: the system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /** The random source for the key material (default: a new SecureRandom). */
        public Builder random(SecureRandom random) {
            this.random = Objects.requireNonNull(random);
            return this;
        }

        /** How long the key is valid; null (default) for no expiry. */
        public Builder validity(Duration validity) {
            if (validity != null && (validity.isNegative() || validity.isZero()
                    || validity.getSeconds() > 0xFFFF_FFFFL)) {
                throw new IllegalArgumentException("validity must be positive and under 136 years");
            }
            this.validity = validity;
            return this;
        }

        public PgpKeyPair generate() throws ImageException {
            if (userId == null) {
                throw new IllegalArgumentException("a key needs a user ID (name and e-mail)");
            }
            return new PgpKeyGenerator(this).generate();
        }
    }

    PgpKeyPair generate() throws ImageException {
        SecureRandom random = b.random != null ? b.random : new SecureRandom();
        // OpenPGP times are whole seconds.
        Instant now = Instant.ofEpochSecond(b.clock.instant().getEpochSecond());
        Date created = Date.from(now);
        try {
            PGPKeyPair pair;
            if (b.algorithm == Algorithm.ED25519) {
                Ed25519KeyPairGenerator g = new Ed25519KeyPairGenerator();
                g.init(new Ed25519KeyGenerationParameters(random));
                AsymmetricCipherKeyPair kp = g.generateKeyPair();
                pair = new BcPGPKeyPair(PublicKeyPacket.VERSION_4, PublicKeyAlgorithmTags.EDDSA_LEGACY, kp, created);
            } else {
                RSAKeyPairGenerator g = new RSAKeyPairGenerator();
                g.init(new RSAKeyGenerationParameters(BigInteger.valueOf(0x10001), random, 4096, 100));
                AsymmetricCipherKeyPair kp = g.generateKeyPair();
                pair = new BcPGPKeyPair(PublicKeyPacket.VERSION_4, PublicKeyAlgorithmTags.RSA_GENERAL, kp, created);
            }
            PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
            hashed.setSignatureCreationTime(true, created);
            hashed.setIssuerFingerprint(false, pair.getPublicKey());
            hashed.setIssuerKeyID(false, pair.getKeyID());
            hashed.setKeyFlags(true, KeyFlags.CERTIFY_OTHER | KeyFlags.SIGN_DATA);
            hashed.setPreferredHashAlgorithms(false, new int[] {HashAlgorithmTags.SHA512, HashAlgorithmTags.SHA384,
                    HashAlgorithmTags.SHA256});
            hashed.setPreferredSymmetricAlgorithms(false, new int[] {SymmetricKeyAlgorithmTags.AES_256,
                    SymmetricKeyAlgorithmTags.AES_128});
            hashed.setPreferredCompressionAlgorithms(false, new int[] {0});
            hashed.setFeature(false, Features.FEATURE_MODIFICATION_DETECTION);
            hashed.setPrimaryUserID(false, true);
            if (b.validity != null) {
                hashed.setKeyExpirationTime(true, b.validity.getSeconds());
            }
            PGPDigestCalculator sha1 = new BcPGPDigestCalculatorProvider().get(HashAlgorithmTags.SHA1);
            PBESecretKeyEncryptor encryptor = null;
            if (b.passphrase != null) {
                encryptor = new BcPBESecretKeyEncryptorBuilder(SymmetricKeyAlgorithmTags.AES_256,
                        new BcPGPDigestCalculatorProvider().get(HashAlgorithmTags.SHA256), 0xC0)
                        .setSecureRandom(random).build(b.passphrase);
            }
            PGPKeyRingGenerator gen = new PGPKeyRingGenerator(PGPSignature.POSITIVE_CERTIFICATION, pair, b.userId,
                    sha1, hashed.generate(), new PGPSignatureSubpacketGenerator().generate(),
                    new BcPGPContentSignerBuilder(pair.getPublicKey().getAlgorithm(), HashAlgorithmTags.SHA512)
                            .setSecureRandom(random),
                    encryptor);
            PGPSecretKeyRing secret = gen.generateSecretKeyRing();
            PGPPublicKeyRing pub = gen.generatePublicKeyRing();
            String secretArmored = io.imgtool.publish.internal.Armor.encode("PRIVATE KEY BLOCK", secret.getEncoded());
            String pubArmored = io.imgtool.publish.internal.Armor.encode("PUBLIC KEY BLOCK", pub.getEncoded());
            return new PgpKeyPair(secretArmored, pubArmored, PgpKeys.fingerprint(pub.getPublicKey()), b.userId,
                    b.algorithm, now);
        } catch (PGPException e) {
            throw PgpKeys.wrap("key generation", e);
        } catch (IOException e) {
            throw new ImageException(ImageException.Kind.IO, "key generation: " + e.getMessage(), e);
        }
    }
}
