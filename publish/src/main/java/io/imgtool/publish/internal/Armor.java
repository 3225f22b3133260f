package io.imgtool.publish.internal;

import io.imgtool.core.ImageFormatException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * OpenPGP ASCII armor (RFC 4880 section 6, RFC 9580 section 6.2), written and read strictly.
 *
 * <p>Written: the BEGIN line, no headers, a blank line, base64 in 64-character lines, the CRC-24
 * line, the END line. Read: exactly that shape, with LF or CRLF line ends; header lines are allowed
 * only with the keys {@code Version}, {@code Comment}, {@code Charset}, {@code MessageID}; the base64
 * must be canonical (no stray characters, correct padding, unused bits zero) and the CRC must match
 * where present. Anything else is an {@link ImageFormatException}: a changed byte in an armored
 * signature either changes the decoded packet bytes or is rejected here. Text is handled as
 * ISO-8859-1, one char per byte.
 */
public final class Armor {

    /** Largest armored block accepted (a signature or a key is far smaller). */
    public static final int MAX_TEXT = 16 << 20;

    private static final Set<String> HEADER_KEYS = Set.of("Version", "Comment", "Charset", "MessageID");
    private static final int LINE = 64;

    private Armor() {
    }

    /**
     * A decoded block.
     *
     * @param type what follows "BEGIN PGP " ("SIGNATURE", "PUBLIC KEY BLOCK")
     * @param headers the header lines as written ("Comment: x")
     * @param data the decoded bytes
     * @param end offset in the text just past the END line and its line end
     */
    public record Block(String type, List<String> headers, byte[] data, int end) {
    }

    /** Armors {@code data} as {@code -----BEGIN PGP <type>-----}, ending with a newline. */
    public static String encode(String type, byte[] data) {
        StringBuilder sb = new StringBuilder(data.length * 4 / 3 + 100);
        sb.append("-----BEGIN PGP ").append(type).append("-----\n\n");
        String b64 = Base64.getEncoder().encodeToString(data);
        for (int i = 0; i < b64.length(); i += LINE) {
            sb.append(b64, i, Math.min(b64.length(), i + LINE)).append('\n');
        }
        int crc = crc24(data);
        byte[] c = {(byte) (crc >>> 16), (byte) (crc >>> 8), (byte) crc};
        sb.append('=').append(Base64.getEncoder().encodeToString(c)).append('\n');
        sb.append("-----END PGP ").append(type).append("-----\n");
        return sb.toString();
    }

    /** Whether {@code text} at {@code offset} starts an armor BEGIN line. */
    public static boolean startsArmor(String text, int offset) {
        return text.startsWith("-----BEGIN PGP ", offset);
    }

    /**
     * Decodes the block that starts at {@code start} (a BEGIN line).
     *
     * @param origin names the input in errors
     */
    public static Block decode(String text, int start, String origin) throws ImageFormatException {
        if (text.length() - start > MAX_TEXT) {
            throw new ImageFormatException(origin, "size", -1, text.length() - start, "armored block too large");
        }
        Lines lines = new Lines(text, start, origin);
        String begin = lines.next("BEGIN line");
        if (!begin.startsWith("-----BEGIN PGP ") || !begin.endsWith("-----") || begin.length() <= 20) {
            throw new ImageFormatException(origin, "armor", lines.lineStart, abbreviate(begin),
                    "expected '-----BEGIN PGP ...-----'");
        }
        String type = begin.substring(15, begin.length() - 5);
        checkPrintable(type, origin, lines.lineStart, "armor type");
        List<String> headers = new ArrayList<>();
        String line;
        while (!(line = lines.next("armor header or blank line")).isEmpty()) {
            int colon = line.indexOf(": ");
            if (colon <= 0 || !HEADER_KEYS.contains(line.substring(0, colon))) {
                throw new ImageFormatException(origin, "armor header", lines.lineStart, abbreviate(line),
                        "unknown armor header (allowed: " + String.join(", ", HEADER_KEYS) + ")");
            }
            checkPrintable(line, origin, lines.lineStart, "armor header");
            headers.add(line);
        }
        StringBuilder b64 = new StringBuilder();
        String crcLine = null;
        boolean padded = false;
        while (true) {
            line = lines.next("base64 data, CRC or END line");
            if (line.startsWith("-----")) {
                break;
            }
            if (crcLine != null) {
                throw new ImageFormatException(origin, "armor", lines.lineStart, abbreviate(line),
                        "data after the CRC line");
            }
            if (line.startsWith("=") && line.length() == 5 && !b64.isEmpty()) {
                crcLine = line.substring(1);
                continue;
            }
            if (line.isEmpty() || line.length() > 76 || padded) {
                throw new ImageFormatException(origin, "armor", lines.lineStart, abbreviate(line),
                        line.isEmpty() ? "empty line in base64 data" : padded
                                ? "base64 data after padding" : "base64 line longer than 76 characters");
            }
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                boolean pad = c == '=';
                if (pad) {
                    padded = true;
                } else if (padded || !isBase64(c)) {
                    throw new ImageFormatException(origin, "armor", lines.lineStart + i, "0x" + Integer.toHexString(c),
                            "not a base64 character");
                }
            }
            b64.append(line);
        }
        String expectedEnd = "-----END PGP " + type + "-----";
        if (!line.equals(expectedEnd)) {
            throw new ImageFormatException(origin, "armor", lines.lineStart, abbreviate(line),
                    "expected '" + expectedEnd + "'");
        }
        if (b64.isEmpty()) {
            throw new ImageFormatException(origin, "armor", lines.lineStart, null, "no data");
        }
        byte[] data = decodeCanonical(b64.toString(), origin, start);
        if (crcLine != null) {
            for (int i = 0; i < 4; i++) {
                if (!isBase64(crcLine.charAt(i))) {
                    throw new ImageFormatException(origin, "armor CRC", -1, crcLine, "not base64");
                }
            }
            byte[] c = decodeCanonical(crcLine, origin, start);
            int stored = (c[0] & 0xff) << 16 | (c[1] & 0xff) << 8 | (c[2] & 0xff);
            int actual = crc24(data);
            if (stored != actual) {
                throw new ImageFormatException(origin, "armor CRC", -1, String.format("%06x", stored),
                        String.format("does not match the data (CRC-24 %06x)", actual));
            }
        }
        return new Block(type, List.copyOf(headers), data, lines.pos);
    }

    private static byte[] decodeCanonical(String b64, String origin, int offset) throws ImageFormatException {
        byte[] data;
        try {
            data = Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new ImageFormatException(origin, "armor", offset, null, "bad base64: " + e.getMessage());
        }
        // Unused low bits of the last character must be zero; length must be a multiple of four.
        if (!Base64.getEncoder().encodeToString(data).equals(b64)) {
            throw new ImageFormatException(origin, "armor", offset, null, "base64 is not canonical");
        }
        return data;
    }

    private static boolean isBase64(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    }

    private static void checkPrintable(String s, String origin, long offset, String what) throws ImageFormatException {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new ImageFormatException(origin, what, offset + i, "0x" + Integer.toHexString(c),
                        "control or non-ASCII character");
            }
        }
    }

    static String abbreviate(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(s.length(), 60); i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return s.length() > 60 ? sb + "..." : sb.toString();
    }

    /** The CRC-24 of RFC 4880 section 6.1. */
    public static int crc24(byte[] data) {
        int crc = 0xB704CE;
        for (byte b : data) {
            crc ^= (b & 0xff) << 16;
            for (int i = 0; i < 8; i++) {
                crc <<= 1;
                if ((crc & 0x1000000) != 0) {
                    crc ^= 0x1864CFB;
                }
            }
        }
        return crc & 0xFFFFFF;
    }

    /** Line reader: LF or CRLF ends a line; a CR anywhere else is an error. */
    public static final class Lines {
        private final String text;
        private final String origin;
        int pos;
        int lineStart;

        public Lines(String text, int start, String origin) {
            this.text = text;
            this.pos = start;
            this.origin = origin;
        }

        /** Offset of the next line. */
        public int position() {
            return pos;
        }

        /** Start offset of the line last returned. */
        public int lineStart() {
            return lineStart;
        }

        public boolean atEnd() {
            return pos >= text.length();
        }

        /** The next line without its line end; the last line may lack one. */
        public String next(String expected) throws ImageFormatException {
            if (pos >= text.length()) {
                throw new ImageFormatException(origin, "armor", pos, null, "truncated: expected " + expected);
            }
            lineStart = pos;
            int nl = text.indexOf('\n', pos);
            int end = nl < 0 ? text.length() : nl;
            pos = nl < 0 ? text.length() : nl + 1;
            if (end > lineStart && text.charAt(end - 1) == '\r') {
                end--;
            }
            String line = text.substring(lineStart, end);
            int cr = line.indexOf('\r');
            if (cr >= 0) {
                throw new ImageFormatException(origin, "armor", lineStart + cr, "0x0d", "carriage return inside a line");
            }
            return line;
        }
    }
}
