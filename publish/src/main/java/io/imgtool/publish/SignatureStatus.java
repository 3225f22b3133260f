package io.imgtool.publish;

/** The verdict on one OpenPGP signature, or on a signed file as a whole. */
public enum SignatureStatus {
    /** Made by a given key, valid then and now, over exactly these bytes. */
    GOOD,
    /** The signature does not match the data (or its digest prefix): the data or the signature was changed. */
    BAD,
    /** No signature was found. */
    NO_SIGNATURE,
    /** Made by a key that is not among the keys given. */
    UNKNOWN_KEY,
    /** The signing key (or its certificate) had expired at signing time or has expired now. */
    EXPIRED_KEY,
    /** The signing key or its certificate is revoked. */
    REVOKED_KEY,
    /** The key exists but is not bound as a signing key (no sign flag, or signature older than the key). */
    NOT_SIGNING_KEY,
    /** The signature carries an expiration time that has passed. */
    EXPIRED_SIGNATURE,
    /** The signature claims to be made in the future. */
    FUTURE_SIGNATURE,
    /** A hash algorithm no longer trusted for signatures (MD5, SHA-1, RIPEMD-160). */
    WEAK_HASH,
    /** A hash algorithm imgtool does not know or does not verify. */
    UNKNOWN_HASH,
    /** A valid but unsupported construct (signature version, algorithm, critical subpacket). */
    UNSUPPORTED,
    /** The signature file or the signed message is malformed, truncated or holds unprotected data. */
    MALFORMED;

    public boolean ok() {
        return this == GOOD;
    }
}
