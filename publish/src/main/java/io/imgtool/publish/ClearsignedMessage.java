package io.imgtool.publish;

/**
 * A clearsigned message after verification.
 *
 * @param content the signed text exactly as signed: its lines with LF line ends and a final LF,
 *                dash-escaping and the spaces and tabs a clearsignature does not sign at line ends
 *                removed. Null when the message could not be parsed at all.
 * @param check the verdict on its signatures
 */
public record ClearsignedMessage(byte[] content, SignatureCheck check) {
}
