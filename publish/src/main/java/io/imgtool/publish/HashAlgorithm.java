package io.imgtool.publish;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

/**
 * The digests imgtool writes and checks in sums files: the SHA-2 family, as the coreutils
 * {@code sha224sum} ... {@code sha512sum} produce them.
 */
public enum HashAlgorithm {
    SHA224("SHA-224", "SHA224", 28),
    SHA256("SHA-256", "SHA256", 32),
    SHA384("SHA-384", "SHA384", 48),
    SHA512("SHA-512", "SHA512", 64);

    private final String jcaName;
    private final String tag;
    private final int digestLength;

    HashAlgorithm(String jcaName, String tag, int digestLength) {
        this.jcaName = jcaName;
        this.tag = tag;
        this.digestLength = digestLength;
    }

    /** The name in BSD-style tagged lines ({@code SHA256 (file) = ...}) and in {@code SHA256SUMS}. */
    public String tag() {
        return tag;
    }

    /** Digest length in bytes. */
    public int digestLength() {
        return digestLength;
    }

    /** Digest length in hex digits. */
    public int hexLength() {
        return digestLength * 2;
    }

    /** The conventional sums file name: {@code SHA256SUMS}, {@code SHA512SUMS}. */
    public String sumsFileName() {
        return tag + "SUMS";
    }

    /** The coreutils tool that writes and checks this digest: {@code sha256sum}. */
    public String coreutilsTool() {
        return tag.toLowerCase(Locale.ROOT) + "sum";
    }

    /** A fresh {@link MessageDigest}. */
    public MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance(jcaName);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + jcaName, e);
        }
    }

    /** The algorithm whose hex digest has {@code hexDigits} digits, or null (then it is unknown). */
    public static HashAlgorithm ofHexLength(int hexDigits) {
        for (HashAlgorithm a : values()) {
            if (a.hexLength() == hexDigits) {
                return a;
            }
        }
        return null;
    }

    /** The algorithm named by a BSD tag or a user ("SHA256", "sha-256", "sha512"), or null. */
    public static HashAlgorithm ofName(String name) {
        String n = name.toUpperCase(Locale.ROOT).replace("-", "");
        for (HashAlgorithm a : values()) {
            if (a.tag.equals(n)) {
                return a;
            }
        }
        return null;
    }
}
