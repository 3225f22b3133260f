package io.imgtool.sysprep;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Random;

/**
 * SHA-512 crypt ({@code $6$}), as specified by Ulrich Drepper's "Unix crypt using SHA-256 and
 * SHA-512" and implemented by glibc's crypt(3): the hash /etc/shadow holds for modern Linux.
 */
public final class Sha512Crypt {

    /** Default rounds, used when the setting names none (and then not written into the result). */
    public static final int DEFAULT_ROUNDS = 5000;
    static final int MIN_ROUNDS = 1000;
    static final int MAX_ROUNDS = 999_999_999;
    static final int MAX_SALT = 16;

    private static final String B64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private Sha512Crypt() {
    }

    /** A new hash of {@code password} with a random 16-character salt and the default rounds. */
    public static String hash(String password, Random random) {
        StringBuilder salt = new StringBuilder();
        for (int i = 0; i < MAX_SALT; i++) {
            salt.append(B64.charAt(random.nextInt(64)));
        }
        return crypt(password, "$6$" + salt);
    }

    /**
     * crypt(password, setting) for a {@code $6$[rounds=N$]salt[$...]} setting: the salt is cut at
     * 16 characters or the next '$'; rounds are clamped to [1000, 999999999] as glibc does.
     *
     * @throws IllegalArgumentException if the setting does not start with {@code $6$}
     */
    public static String crypt(String password, String setting) {
        if (!setting.startsWith("$6$")) {
            throw new IllegalArgumentException("not a SHA-512 crypt setting: " + setting);
        }
        String rest = setting.substring(3);
        int rounds = DEFAULT_ROUNDS;
        boolean customRounds = false;
        if (rest.startsWith("rounds=")) {
            int end = rest.indexOf('$');
            if (end > 7) {
                String num = rest.substring(7, end);
                if (num.matches("[0-9]{1,12}")) {
                    long r = Long.parseLong(num);
                    rounds = (int) Math.max(MIN_ROUNDS, Math.min(MAX_ROUNDS, r));
                    customRounds = true;
                    rest = rest.substring(end + 1);
                }
            }
        }
        int cut = rest.indexOf('$');
        String salt = cut >= 0 ? rest.substring(0, cut) : rest;
        if (salt.length() > MAX_SALT) {
            salt = salt.substring(0, MAX_SALT);
        }
        byte[] key = password.getBytes(StandardCharsets.UTF_8);
        byte[] s = salt.getBytes(StandardCharsets.UTF_8);
        MessageDigest md = sha512();

        // Digest B: key, salt, key.
        md.update(key);
        md.update(s);
        md.update(key);
        byte[] b = md.digest();

        // Digest A.
        md.update(key);
        md.update(s);
        int n = key.length;
        for (; n > 64; n -= 64) {
            md.update(b, 0, 64);
        }
        md.update(b, 0, n);
        for (int k = key.length; k > 0; k >>= 1) {
            if ((k & 1) != 0) {
                md.update(b, 0, 64);
            } else {
                md.update(key);
            }
        }
        byte[] a = md.digest();

        // P: key repeated.
        for (int i = 0; i < key.length; i++) {
            md.update(key);
        }
        byte[] dp = md.digest();
        byte[] p = repeat(dp, key.length);

        // S: salt repeated 16 + A[0] times.
        for (int i = 0; i < 16 + (a[0] & 0xff); i++) {
            md.update(s);
        }
        byte[] ds = md.digest();
        byte[] sp = repeat(ds, s.length);

        byte[] c = a;
        for (int i = 0; i < rounds; i++) {
            if ((i & 1) != 0) {
                md.update(p);
            } else {
                md.update(c, 0, 64);
            }
            if (i % 3 != 0) {
                md.update(sp);
            }
            if (i % 7 != 0) {
                md.update(p);
            }
            if ((i & 1) != 0) {
                md.update(c, 0, 64);
            } else {
                md.update(p);
            }
            c = md.digest();
        }

        StringBuilder out = new StringBuilder("$6$");
        if (customRounds) {
            out.append("rounds=").append(rounds).append('$');
        }
        out.append(salt).append('$');
        int[][] order = {
            {0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45}, {25, 46, 4}, {47, 5, 26}, {6, 27, 48},
            {28, 49, 7}, {50, 8, 29}, {9, 30, 51}, {31, 52, 10}, {53, 11, 32}, {12, 33, 54}, {34, 55, 13},
            {56, 14, 35}, {15, 36, 57}, {37, 58, 16}, {59, 17, 38}, {18, 39, 60}, {40, 61, 19}, {62, 20, 41}};
        for (int[] t : order) {
            b64(out, c[t[0]], c[t[1]], c[t[2]], 4);
        }
        b64(out, 0, 0, c[63], 2);
        return out.toString();
    }

    private static void b64(StringBuilder out, int b2, int b1, int b0, int chars) {
        int w = ((b2 & 0xff) << 16) | ((b1 & 0xff) << 8) | (b0 & 0xff);
        for (int i = 0; i < chars; i++) {
            out.append(B64.charAt(w & 0x3f));
            w >>>= 6;
        }
    }

    private static byte[] repeat(byte[] digest, int len) {
        byte[] out = new byte[len];
        for (int i = 0; i < len; i++) {
            out[i] = digest[i % 64];
        }
        return out;
    }

    private static MessageDigest sha512() {
        try {
            return MessageDigest.getInstance("SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-512", e);
        }
    }
}
