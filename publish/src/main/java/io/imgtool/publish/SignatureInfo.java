package io.imgtool.publish;

import java.time.Instant;

/**
 * One signature of a signed file and its verdict.
 *
 * @param status the verdict
 * @param keyId the issuer key ID (16 uppercase hex digits), or null if the signature names none
 * @param fingerprint the signing key's fingerprint when the key was found, else null
 * @param userId the primary user ID of the signer's certificate, or null
 * @param created the signature's creation time, or null
 * @param hashAlgorithm the signature's digest ("SHA512"), or its number when unknown
 * @param detail why the verdict is not GOOD, or null
 */
public record SignatureInfo(SignatureStatus status, String keyId, String fingerprint, String userId, Instant created,
                            String hashAlgorithm, String detail) {
}
