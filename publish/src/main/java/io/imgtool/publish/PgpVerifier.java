package io.imgtool.publish;

import io.imgtool.core.ImageException;
import io.imgtool.core.ImageFormatException;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.publish.internal.Armor;
import io.imgtool.publish.internal.SignaturePackets;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.bouncycastle.bcpg.BCPGInputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.KeyIdentifier;
import org.bouncycastle.bcpg.SignatureSubpacket;
import org.bouncycastle.bcpg.SignatureSubpacketTags;
import org.bouncycastle.bcpg.sig.IssuerKeyID;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPKeyRing;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.api.OpenPGPCertificate;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentVerifierBuilderProvider;

/**
 * Verifies OpenPGP signatures against the keys it is given: clearsigned text and detached
 * signatures, armored or binary, as GnuPG and {@link PgpSigner} make them.
 *
 * <p>Stricter than GnuPG where GnuPG lets a changed byte pass: the armor must be canonical
 * ({@link Armor}); every packet must be a version 4 signature whose encoding Bouncy Castle
 * reproduces byte for byte; the two-byte digest prefix must match; the unhashed area may hold
 * nothing but the issuer key ID of the key that made the signature; a clearsigned message must start
 * at its first byte and end after its signature. The key must be valid as a signing key both when
 * the signature was made and now (the injected clock).
 *
 * <pre>{@code
 * PgpVerifier v = PgpVerifier.builder().keys(Path.of("signing-key.public.asc")).build();
 * SignatureCheck c = v.verifyDetached(Path.of("SHA512SUMS"), Files.readAllBytes(Path.of("SHA512SUMS.sign")), "SHA512SUMS.sign");
 * }</pre>
 */
public final class PgpVerifier {

    /** Signature files larger than this are refused. */
    public static final int MAX_SIGNATURE_FILE = 1 << 20;
    /** Clearsigned files larger than this are refused. */
    public static final int MAX_CLEARSIGNED_FILE = SumsFile.MAX_SIZE + MAX_SIGNATURE_FILE;

    private static final Duration CLOCK_SKEW = Duration.ofMinutes(10);
    private static final Set<Integer> ALLOWED_CRITICAL = Set.of(SignatureSubpacketTags.CREATION_TIME,
            SignatureSubpacketTags.EXPIRE_TIME, SignatureSubpacketTags.ISSUER_KEY_ID,
            SignatureSubpacketTags.ISSUER_FINGERPRINT);

    private final List<OpenPGPCertificate> certificates;
    private final Clock clock;

    private PgpVerifier(List<OpenPGPCertificate> certificates, Clock clock) {
        this.certificates = certificates;
        this.clock = clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The keys to trust and the clock. */
    public static final class Builder {
        private final List<PGPPublicKeyRing> rings = new ArrayList<>();
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** Trusts the keys in a file: one key or a keyring, armored or binary, public or secret. */
        public Builder keys(Path file) throws IOException {
            return keys(PgpKeys.readFile(file), file.toString());
        }

        /** Trusts the keys in {@code data}. */
        public Builder keys(byte[] data, String origin) throws ImageException {
            List<PGPKeyRing> read = PgpKeys.read(data, origin);
            rings.addAll(PgpKeys.publicRings(read));
            return this;
        }

        /** The clock that says what "now" is for key validity (default: the system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        public PgpVerifier build() {
            if (rings.isEmpty()) {
                throw new IllegalArgumentException("no public key given to verify against");
            }
            List<OpenPGPCertificate> certs = new ArrayList<>();
            for (PGPPublicKeyRing r : rings) {
                try {
                    certs.add(new OpenPGPCertificate(r));
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("unusable OpenPGP certificate "
                            + PgpKeys.fingerprint(r.getPublicKey()) + ": " + e.getMessage(), e);
                }
            }
            return new PgpVerifier(List.copyOf(certs), clock);
        }
    }

    /** Fingerprints of the primary keys trusted. */
    public List<String> trustedFingerprints() {
        List<String> out = new ArrayList<>();
        for (OpenPGPCertificate c : certificates) {
            out.add(PgpKeys.fingerprint(c.getPrimaryKey().getPGPPublicKey()));
        }
        return out;
    }

    // ---- detached ------------------------------------------------------------------------------

    /** Verifies a detached signature (armored or binary) over a file. */
    public SignatureCheck verifyDetached(Path data, byte[] signature, String signatureOrigin) throws IOException {
        try (InputStream in = Files.newInputStream(data)) {
            return verifyDetached(in, signature, signatureOrigin);
        }
    }

    /** Verifies a detached signature (armored or binary) over a stream. */
    public SignatureCheck verifyDetached(InputStream data, byte[] signature, String signatureOrigin)
            throws IOException {
        List<PGPSignature> sigs;
        try {
            sigs = parseSignatureFile(signature, signatureOrigin);
        } catch (UnsupportedFeatureException e) {
            return SignatureCheck.failed(SignatureStatus.UNSUPPORTED, e.getMessage());
        } catch (ImageException e) {
            return SignatureCheck.failed(SignatureStatus.MALFORMED, e.getMessage());
        }
        List<Pending> pending = new ArrayList<>();
        for (PGPSignature s : sigs) {
            Pending p = prepare(s, null);
            if (p.verdict == null && s.getSignatureType() != PGPSignature.BINARY_DOCUMENT
                    && s.getSignatureType() != PGPSignature.CANONICAL_TEXT_DOCUMENT) {
                p.verdict = SignatureStatus.MALFORMED;
                p.detail = "signature type 0x" + Integer.toHexString(s.getSignatureType()) + " is not a document signature";
            }
            pending.add(p);
        }
        byte[] buf = new byte[1 << 20];
        int n;
        while ((n = data.read(buf)) > 0) {
            for (Pending p : pending) {
                if (p.verdict == null) {
                    p.update(buf, 0, n);
                }
            }
        }
        return finish(pending);
    }

    private static final byte[] CRLF = {'\r', '\n'};

    // ---- clearsigned ---------------------------------------------------------------------------

    /** Verifies a clearsigned message and returns the text it signs. */
    public ClearsignedMessage verifyClearsigned(byte[] message, String origin) {
        Parsed parsed;
        try {
            parsed = parseClearsigned(message, origin);
        } catch (UnsupportedFeatureException e) {
            return new ClearsignedMessage(null, SignatureCheck.failed(SignatureStatus.UNSUPPORTED, e.getMessage()));
        } catch (ImageException e) {
            return new ClearsignedMessage(null, SignatureCheck.failed(SignatureStatus.MALFORMED, e.getMessage()));
        }
        List<Pending> pending = new ArrayList<>();
        for (PGPSignature s : parsed.signatures) {
            Pending p = prepare(s, parsed.hashHeaders);
            if (p.verdict == null && s.getSignatureType() != PGPSignature.CANONICAL_TEXT_DOCUMENT) {
                p.verdict = SignatureStatus.MALFORMED;
                p.detail = "a clearsigned message needs a text signature (type 0x01), not 0x"
                        + Integer.toHexString(s.getSignatureType());
            }
            if (p.verdict == null) {
                p.update(parsed.canonical, 0, parsed.canonical.length);
            }
            pending.add(p);
        }
        return new ClearsignedMessage(parsed.content, finish(pending));
    }

    /** Whether {@code data} starts like a clearsigned message. */
    public static boolean isClearsigned(byte[] data) {
        byte[] magic = "-----BEGIN PGP SIGNED MESSAGE-----".getBytes(StandardCharsets.US_ASCII);
        return data.length >= magic.length && Arrays.equals(data, 0, magic.length, magic, 0, magic.length);
    }

    /**
     * The text of a clearsigned message without checking its signature (for reading hashes when no
     * key is given).
     */
    static byte[] parseClearsignedContent(byte[] message, String origin) throws ImageFormatException {
        try {
            return parseClearsigned(message, origin).content;
        } catch (ImageFormatException e) {
            throw e;
        } catch (ImageException e) {
            throw new ImageFormatException(origin, "clearsigned message", -1, null, e.getMessage(), e);
        }
    }

    private record Parsed(byte[] canonical, byte[] content, List<String> hashHeaders, List<PGPSignature> signatures) {
    }

    static Parsed parseClearsigned(byte[] message, String origin) throws ImageException {
        if (message.length > MAX_CLEARSIGNED_FILE) {
            throw new ImageFormatException(origin, "size", -1, message.length, "too large for a clearsigned file");
        }
        String text = new String(message, StandardCharsets.ISO_8859_1);
        Armor.Lines lines = new Armor.Lines(text, 0, origin);
        String first = lines.next("'-----BEGIN PGP SIGNED MESSAGE-----'");
        if (!first.equals("-----BEGIN PGP SIGNED MESSAGE-----")) {
            throw new ImageFormatException(origin, "clearsigned message", 0, null,
                    "does not start with '-----BEGIN PGP SIGNED MESSAGE-----'");
        }
        List<String> hashes = new ArrayList<>();
        String line;
        while (!(line = lines.next("'Hash:' header or blank line")).isEmpty()) {
            if (!line.startsWith("Hash: ")) {
                throw new ImageFormatException(origin, "clearsigned header", lines.lineStart(), abbreviate(line),
                        "only 'Hash:' headers may precede the text");
            }
            for (String h : line.substring(6).split(",", -1)) {
                String name = h.strip();
                if (!name.matches("[A-Z0-9-]{2,16}")) {
                    throw new ImageFormatException(origin, "Hash header", lines.lineStart(), abbreviate(h),
                            "not a hash algorithm name");
                }
                hashes.add(name);
            }
        }
        if (hashes.isEmpty()) {
            throw new ImageFormatException(origin, "clearsigned header", lines.lineStart(), null,
                    "no 'Hash:' header");
        }
        ByteArrayOutputStream canonical = new ByteArrayOutputStream();
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        boolean firstLine = true;
        int sigStart;
        while (true) {
            if (lines.atEnd()) {
                throw new ImageFormatException(origin, "clearsigned message", text.length(), null,
                        "no '-----BEGIN PGP SIGNATURE-----' after the text");
            }
            line = lines.next("text");
            if (line.equals("-----BEGIN PGP SIGNATURE-----")) {
                sigStart = lines.lineStart();
                break;
            }
            if (line.startsWith("-")) {
                if (!line.startsWith("- ")) {
                    throw new ImageFormatException(origin, "clearsigned text", lines.lineStart(), abbreviate(line),
                            "a line starting with '-' must be dash-escaped ('- ')");
                }
                line = line.substring(2);
            }
            int end = line.length();
            while (end > 0 && (line.charAt(end - 1) == ' ' || line.charAt(end - 1) == '\t')) {
                end--;
            }
            byte[] bytes = line.substring(0, end).getBytes(StandardCharsets.ISO_8859_1);
            if (!firstLine) {
                canonical.writeBytes(CRLF);
            }
            firstLine = false;
            canonical.writeBytes(bytes);
            content.writeBytes(bytes);
            content.write('\n');
        }
        Armor.Block block = Armor.decode(text, sigStart, origin);
        if (block.end() != text.length()) {
            throw new ImageFormatException(origin, "clearsigned message", block.end(), null,
                    "data after '-----END PGP SIGNATURE-----'");
        }
        List<PGPSignature> sigs = parsePackets(block.data(), origin);
        return new Parsed(canonical.toByteArray(), content.toByteArray(), hashes, sigs);
    }

    // ---- parsing -------------------------------------------------------------------------------

    /**
     * Parses a signature file, armored or binary, into signatures — strictly (see the class
     * comment). This is the entry point the fuzz tests drive.
     *
     * @throws ImageFormatException malformed input; {@link UnsupportedFeatureException} for valid
     *         constructs that are not verified here
     */
    public static List<PGPSignature> parseSignatureFile(byte[] file, String origin) throws ImageException {
        if (file.length > MAX_SIGNATURE_FILE) {
            throw new ImageFormatException(origin, "size", -1, file.length, "too large for a signature file");
        }
        byte[] packets = file;
        if (file.length > 0 && file[0] == '-') {
            String text = new String(file, StandardCharsets.ISO_8859_1);
            Armor.Block block = Armor.decode(text, 0, origin);
            if (!block.type().equals("SIGNATURE")) {
                throw new ImageFormatException(origin, "armor", 0, block.type(), "expected 'PGP SIGNATURE'");
            }
            if (block.end() != text.length()) {
                throw new ImageFormatException(origin, "armor", block.end(), null,
                        "data after '-----END PGP SIGNATURE-----'");
            }
            packets = block.data();
        }
        return parsePackets(packets, origin);
    }

    private static List<PGPSignature> parsePackets(byte[] packets, String origin) throws ImageException {
        List<SignaturePackets.Span> spans = SignaturePackets.check(packets, origin);
        List<PGPSignature> out = new ArrayList<>();
        for (SignaturePackets.Span s : spans) {
            byte[] raw = Arrays.copyOfRange(packets, s.offset(), s.offset() + s.length());
            PGPSignature sig;
            try {
                sig = new PGPSignature(new BCPGInputStream(new ByteArrayInputStream(raw)));
                if (!Arrays.equals(sig.getEncoded(), raw)) {
                    throw new ImageFormatException(origin, "signature packet", s.offset(), null,
                            "not in canonical encoding (re-encoding differs)");
                }
            } catch (ImageException e) {
                throw e;
            } catch (IOException | PGPException | RuntimeException e) {
                throw new ImageFormatException(origin, "signature packet", s.offset(), null,
                        "cannot parse: " + e.getMessage(), e);
            }
            out.add(sig);
        }
        return out;
    }

    // ---- verification --------------------------------------------------------------------------

    /** A signature on its way: its key and verifier once found, or its verdict already. */
    private static final class Pending {
        final PGPSignature sig;
        SignatureStatus verdict;
        String detail;
        OpenPGPCertificate cert;
        OpenPGPCertificate.OpenPGPComponentKey key;
        MessageDigest prefixDigest;
        String hashName;

        Pending(PGPSignature sig) {
            this.sig = sig;
        }

        Pending fail(SignatureStatus status, String why) {
            verdict = status;
            detail = why;
            return this;
        }

        private byte last;

        /**
         * Feeds data to the signature and to our own digest for the prefix check. Bouncy Castle
         * canonicalizes text signatures itself (CR and a lone LF become CRLF); the digest mirrors it.
         */
        void update(byte[] b, int off, int len) {
            sig.update(b, off, len);
            if (sig.getSignatureType() != PGPSignature.CANONICAL_TEXT_DOCUMENT) {
                prefixDigest.update(b, off, len);
                return;
            }
            for (int i = off; i < off + len; i++) {
                byte c = b[i];
                if (c == '\r') {
                    prefixDigest.update(CRLF, 0, 2);
                } else if (c == '\n') {
                    if (last != '\r') {
                        prefixDigest.update(CRLF, 0, 2);
                    }
                } else {
                    prefixDigest.update(c);
                }
                last = c;
            }
        }
    }

    private Pending prepare(PGPSignature sig, List<String> hashHeaders) {
        try {
            return prepareChecked(sig, hashHeaders);
        } catch (RuntimeException e) {
            return new Pending(sig).fail(SignatureStatus.MALFORMED, "cannot evaluate the signature: " + e.getMessage());
        }
    }

    private Pending prepareChecked(PGPSignature sig, List<String> hashHeaders) {
        Pending p = new Pending(sig);
        int h = sig.getHashAlgorithm();
        HashAlgorithm hash = switch (h) {
            case HashAlgorithmTags.SHA224 -> HashAlgorithm.SHA224;
            case HashAlgorithmTags.SHA256 -> HashAlgorithm.SHA256;
            case HashAlgorithmTags.SHA384 -> HashAlgorithm.SHA384;
            case HashAlgorithmTags.SHA512 -> HashAlgorithm.SHA512;
            default -> null;
        };
        p.hashName = hash != null ? hash.tag() : hashName(h);
        if (hash == null) {
            boolean weak = h == HashAlgorithmTags.MD5 || h == HashAlgorithmTags.SHA1 || h == HashAlgorithmTags.RIPEMD160;
            return p.fail(weak ? SignatureStatus.WEAK_HASH : SignatureStatus.UNKNOWN_HASH,
                    (weak ? "weak" : "unknown") + " hash algorithm " + p.hashName);
        }
        if (hashHeaders != null && !hashHeaders.contains(hash.tag())) {
            return p.fail(SignatureStatus.MALFORMED, "the 'Hash:' header " + hashHeaders
                    + " does not name the signature's " + hash.tag());
        }
        p.prefixDigest = hash.newDigest();
        // Critical subpackets we do not understand make the signature unusable (RFC 4880 5.2.3.1).
        for (int tag : sig.getHashedSubPackets().getCriticalTags()) {
            if (!ALLOWED_CRITICAL.contains(tag)) {
                return p.fail(SignatureStatus.UNSUPPORTED, "critical signature subpacket " + tag);
            }
        }
        if (sig.getCreationTime() == null || sig.getHashedSubPackets().getSignatureCreationTime() == null) {
            return p.fail(SignatureStatus.MALFORMED, "no signature creation time in the hashed area");
        }
        // Find the key.
        for (KeyIdentifier id : sig.getKeyIdentifiers()) {
            for (OpenPGPCertificate c : certificates) {
                OpenPGPCertificate.OpenPGPComponentKey k = c.getKey(id);
                if (k != null) {
                    p.cert = c;
                    p.key = k;
                    break;
                }
            }
            if (p.key != null) {
                break;
            }
        }
        if (p.key == null) {
            List<KeyIdentifier> ids = sig.getKeyIdentifiers();
            return p.fail(SignatureStatus.UNKNOWN_KEY, ids.isEmpty() ? "the signature names no issuer"
                    : "made by key " + ids.get(0) + ", which is not among the keys given");
        }
        PGPPublicKey pub = p.key.getPGPPublicKey();
        for (SignatureSubpacket sp : sig.getUnhashedSubPackets().toArray()) {
            boolean ownIssuer = sp instanceof IssuerKeyID iss && iss.getKeyID() == pub.getKeyID() && !sp.isCritical();
            if (!ownIssuer) {
                return p.fail(SignatureStatus.MALFORMED, "unhashed subpacket of type " + sp.getType()
                        + " is not protected by the signature");
            }
        }
        Instant now = clock.instant();
        Instant created = sig.getCreationTime().toInstant();
        if (created.isAfter(now.plus(CLOCK_SKEW))) {
            return p.fail(SignatureStatus.FUTURE_SIGNATURE, "signature made in the future (" + created + ")");
        }
        long sigExpiry = sig.getHashedSubPackets().getSignatureExpirationTime();
        if (sigExpiry > 0 && !created.plusSeconds(sigExpiry).isAfter(now)) {
            return p.fail(SignatureStatus.EXPIRED_SIGNATURE, "signature expired at " + created.plusSeconds(sigExpiry));
        }
        for (Instant at : new Instant[] {created, now}) {
            SignatureStatus s = keyState(p.cert, p.key, at);
            if (s != null) {
                return p.fail(s, describeKeyState(s, pub, at == created ? "when the signature was made (" + at + ")"
                        : "now (" + at + ")"));
            }
        }
        try {
            sig.init(new BcPGPContentVerifierBuilderProvider(), pub);
        } catch (PGPException | RuntimeException e) {
            return p.fail(SignatureStatus.UNSUPPORTED, "cannot verify with key " + PgpKeys.keyId(pub.getKeyID())
                    + ": " + e.getMessage());
        }
        return p;
    }

    /** Null when the key may sign at {@code at}, else why not. */
    private static SignatureStatus keyState(OpenPGPCertificate cert, OpenPGPCertificate.OpenPGPComponentKey key,
                                            Instant at) {
        Date d = Date.from(at);
        try {
            if (key.isBoundAt(d) && key.isSigningKey(d)) {
                return null;
            }
            if (cert.getRevocation(d) != null || key.getRevocation(d) != null) {
                return SignatureStatus.REVOKED_KEY;
            }
            PGPPublicKey pub = key.getPGPPublicKey();
            PGPPublicKey primary = cert.getPrimaryKey().getPGPPublicKey();
            for (PGPPublicKey k : new PGPPublicKey[] {pub, primary}) {
                long valid = k.getValidSeconds();
                if (valid > 0 && !k.getCreationTime().toInstant().plusSeconds(valid).isAfter(at)) {
                    return SignatureStatus.EXPIRED_KEY;
                }
            }
            return SignatureStatus.NOT_SIGNING_KEY;
        } catch (RuntimeException e) {
            return SignatureStatus.NOT_SIGNING_KEY;
        }
    }

    private static String describeKeyState(SignatureStatus s, PGPPublicKey key, String when) {
        String k = "key " + PgpKeys.keyId(key.getKeyID());
        return switch (s) {
            case REVOKED_KEY -> k + " is revoked " + when;
            case EXPIRED_KEY -> k + " has expired " + when;
            default -> k + " is not a valid signing key " + when;
        };
    }

    private SignatureCheck finish(List<Pending> pending) {
        List<SignatureInfo> infos = new ArrayList<>();
        for (Pending p : pending) {
            if (p.verdict == null) {
                try {
                    p.prefixDigest.update(p.sig.getSignatureTrailer());
                    byte[] digest = p.prefixDigest.digest();
                    byte[] prefix = p.sig.getDigestPrefix();
                    boolean valid = p.sig.verify();
                    if (!valid) {
                        p.fail(SignatureStatus.BAD, "signature does not match the data: the data or the signature was changed");
                    } else if (prefix == null || prefix.length != 2 || prefix[0] != digest[0] || prefix[1] != digest[1]) {
                        p.fail(SignatureStatus.BAD, "the signature's digest prefix does not match");
                    } else {
                        p.verdict = SignatureStatus.GOOD;
                    }
                } catch (PGPException | RuntimeException e) {
                    p.fail(SignatureStatus.BAD, "verification failed: " + e.getMessage());
                }
            }
            infos.add(info(p));
        }
        return SignatureCheck.of(infos);
    }

    private SignatureInfo info(Pending p) {
        PGPSignature s = p.sig;
        String keyId = null;
        List<KeyIdentifier> ids = s.getKeyIdentifiers();
        if (p.key != null) {
            keyId = PgpKeys.keyId(p.key.getPGPPublicKey().getKeyID());
        } else if (!ids.isEmpty()) {
            keyId = PgpKeys.keyId(ids.get(0).getKeyId());
        }
        String fpr = p.key == null ? null : PgpKeys.fingerprint(p.key.getPGPPublicKey());
        String uid = p.cert == null ? null : PgpKeys.primaryUserId(p.cert.getPrimaryKey().getPGPPublicKey());
        Instant created = s.getCreationTime() == null ? null : s.getCreationTime().toInstant();
        return new SignatureInfo(p.verdict, keyId, fpr, uid, created, p.hashName, p.detail);
    }

    private static String hashName(int id) {
        return switch (id) {
            case HashAlgorithmTags.MD5 -> "MD5";
            case HashAlgorithmTags.SHA1 -> "SHA1";
            case HashAlgorithmTags.RIPEMD160 -> "RIPEMD160";
            case 12 -> "SHA3-256";
            case 14 -> "SHA3-512";
            default -> "#" + id;
        };
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
