package io.imgtool.qemu.iso;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Byte helpers of ECMA-119: both-byte-order numbers (7.2.3, 7.3.3) and padded text fields. */
final class IsoBytes {

    private IsoBytes() {
    }

    /** A 16-bit number stored little-endian, then big-endian. */
    static void putBoth16(ByteBuffer out, int v) {
        out.put((byte) v).put((byte) (v >>> 8));
        out.put((byte) (v >>> 8)).put((byte) v);
    }

    /** A 32-bit number stored little-endian, then big-endian. */
    static void putBoth32(ByteBuffer out, long v) {
        ByteOrder saved = out.order();
        out.order(ByteOrder.LITTLE_ENDIAN).putInt((int) v);
        out.order(ByteOrder.BIG_ENDIAN).putInt((int) v);
        out.order(saved);
    }

    /** An a-/d-character field: ASCII, padded with spaces to {@code size}. */
    static byte[] ascii(String s, int size) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        if (b.length > size) {
            throw new IllegalArgumentException("'" + s + "' is longer than " + size + " characters");
        }
        byte[] out = new byte[size];
        Arrays.fill(out, (byte) ' ');
        System.arraycopy(b, 0, out, 0, b.length);
        return out;
    }

    /**
     * A Joliet text field: UCS-2 big-endian, padded with (00)(20); an odd field size ends with one
     * zero byte, as genisoimage writes it.
     */
    static byte[] ucs2(String s, int size) {
        byte[] b = ucs2(s);
        if (b.length > size) {
            throw new IllegalArgumentException("'" + s + "' is longer than " + size / 2 + " UCS-2 characters");
        }
        byte[] out = new byte[size];
        for (int i = 0; i + 1 < size; i += 2) {
            out[i + 1] = ' ';
        }
        System.arraycopy(b, 0, out, 0, b.length);
        return out;
    }

    /** UCS-2 big-endian; characters outside the Basic Multilingual Plane have no UCS-2 form. */
    static byte[] ucs2(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isSurrogate(s.charAt(i))) {
                throw new IllegalArgumentException("'" + s + "' has a character outside UCS-2");
            }
        }
        return s.getBytes(StandardCharsets.UTF_16BE);
    }

    /** Text of a padded ASCII field, trailing spaces and NULs removed. */
    static String trimAscii(byte[] b) {
        int end = b.length;
        while (end > 0 && (b[end - 1] == ' ' || b[end - 1] == 0)) {
            end--;
        }
        return new String(b, 0, end, StandardCharsets.ISO_8859_1);
    }

    /** Text of a padded UCS-2 field, trailing spaces and NULs removed. */
    static String trimUcs2(byte[] b) {
        String s = new String(b, 0, b.length & ~1, StandardCharsets.UTF_16BE);
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == 0)) {
            end--;
        }
        return s.substring(0, end);
    }
}
