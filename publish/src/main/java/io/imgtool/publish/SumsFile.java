package io.imgtool.publish;

import io.imgtool.core.ImageFormatException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A sums file as GNU coreutils writes and checks it ({@code sha256sum}, {@code sha512sum}, ...).
 *
 * <p>Lines read: {@code digest␠␠name} (text mode), {@code digest␠*name} (binary mode),
 * {@code digest␠name}, and the BSD-tagged {@code SHA256 (name) = digest} of {@code --tag}; a line
 * that starts with a backslash has an escaped name ({@code \\}, {@code \n}, {@code \r}). A carriage
 * return before the newline is dropped, lines starting with {@code #} are comments. The algorithm of
 * an untagged line is told by the digest's length. Everything else is rejected: an empty line, an
 * unknown escape, a digest of unknown length, a name missing — unlike {@code sha256sum -c}, which
 * only warns about such lines, a published sums file has no business holding them.
 *
 * @param entries the lines, in file order
 */
public record SumsFile(List<SumsEntry> entries) {

    /** Sums files larger than this are refused: they list files, they are not files themselves. */
    public static final int MAX_SIZE = 64 << 20;

    public SumsFile {
        entries = List.copyOf(entries);
    }

    /** The file's text: one {@link SumsEntry#toLine()} per entry. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        for (SumsEntry e : entries) {
            sb.append(e.toLine());
        }
        return sb.toString();
    }

    /** The bytes of {@link #format()} in UTF-8. */
    public byte[] toBytes() {
        return format().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Parses a sums file.
     *
     * @param origin a name for error messages ("SHA256SUMS")
     * @throws ImageFormatException naming the line and its offset when a line is malformed
     */
    public static SumsFile parse(byte[] bytes, String origin) throws ImageFormatException {
        if (bytes.length > MAX_SIZE) {
            throw new ImageFormatException(origin, "size", -1, bytes.length,
                    "larger than " + MAX_SIZE + " bytes: not a sums file");
        }
        List<SumsEntry> out = new ArrayList<>();
        int lineNo = 0;
        int start = 0;
        while (start < bytes.length) {
            lineNo++;
            int nl = indexOf(bytes, (byte) '\n', start);
            int end = nl < 0 ? bytes.length : nl;
            int contentEnd = end;
            if (contentEnd > start && bytes[contentEnd - 1] == '\r') {
                contentEnd--;
            }
            String line = decode(bytes, start, contentEnd, origin, lineNo);
            if (!line.startsWith("#")) {
                out.add(parseLine(line, origin, lineNo, start));
            }
            start = nl < 0 ? bytes.length : nl + 1;
        }
        return new SumsFile(out);
    }

    private static String decode(byte[] b, int from, int to, String origin, int lineNo) throws ImageFormatException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, from, to - from)).toString();
        } catch (CharacterCodingException e) {
            throw new ImageFormatException(origin, "line " + lineNo, from, null, "not valid UTF-8");
        }
    }

    private static SumsEntry parseLine(String line, String origin, int lineNo, long offset)
            throws ImageFormatException {
        String field = "line " + lineNo;
        if (line.isEmpty()) {
            throw new ImageFormatException(origin, field, offset, null, "empty line");
        }
        if (line.indexOf('\0') >= 0) {
            throw new ImageFormatException(origin, field, offset, null, "NUL byte in line");
        }
        boolean escaped = line.charAt(0) == '\\';
        String s = escaped ? line.substring(1) : line;
        String digest;
        String rawName;
        boolean binary;
        HashAlgorithm algorithm;
        int paren = s.indexOf(" (");
        int hexEnd = 0;
        while (hexEnd < s.length() && Character.digit(s.charAt(hexEnd), 16) >= 0) {
            hexEnd++;
        }
        if (hexEnd < s.length() && s.charAt(hexEnd) == ' ' && hexEnd > 0) {
            // GNU: digest, one space, optional mode character, name.
            digest = s.substring(0, hexEnd);
            int i = hexEnd + 1;
            binary = false;
            if (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '*')) {
                binary = s.charAt(i) == '*';
                i++;
            }
            rawName = s.substring(i);
            algorithm = HashAlgorithm.ofHexLength(digest.length());
            if (algorithm == null) {
                throw new ImageFormatException(origin, field, offset, digest.length() + " hex digits",
                        "unknown hash algorithm (expected a SHA-224/256/384/512 digest)");
            }
        } else if (paren > 0 && s.contains(") = ")) {
            // BSD tag: ALG (name) = digest
            String tag = s.substring(0, paren);
            algorithm = HashAlgorithm.ofName(tag);
            if (algorithm == null || !tag.equals(algorithm.tag())) {
                throw new ImageFormatException(origin, field, offset, tag, "unknown hash algorithm");
            }
            int eq = s.lastIndexOf(") = ");
            rawName = s.substring(paren + 2, eq);
            digest = s.substring(eq + 4);
            binary = true;
            if (digest.length() != algorithm.hexLength()) {
                throw new ImageFormatException(origin, field, offset, digest,
                        "a " + algorithm.tag() + " digest has " + algorithm.hexLength() + " hex digits");
            }
        } else {
            throw new ImageFormatException(origin, field, offset, abbreviate(line),
                    "neither 'DIGEST  NAME' nor 'ALG (NAME) = DIGEST'");
        }
        for (int i = 0; i < digest.length(); i++) {
            if (Character.digit(digest.charAt(i), 16) < 0) {
                throw new ImageFormatException(origin, field, offset, abbreviate(digest), "digest is not hex");
            }
        }
        String name = escaped ? unescape(rawName, origin, field, offset) : rawName;
        if (name.isEmpty()) {
            throw new ImageFormatException(origin, field, offset, null, "file name missing");
        }
        return new SumsEntry(algorithm, digest.toLowerCase(Locale.ROOT), name, binary);
    }

    private static String unescape(String s, String origin, String field, long offset) throws ImageFormatException {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (i + 1 >= s.length()) {
                throw new ImageFormatException(origin, field, offset, null, "file name ends in a lone backslash");
            }
            char e = s.charAt(++i);
            switch (e) {
                case '\\' -> sb.append('\\');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                default -> throw new ImageFormatException(origin, field, offset, "\\" + e,
                        "unknown escape in file name (only \\\\, \\n and \\r exist)");
            }
        }
        return sb.toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    private static int indexOf(byte[] b, byte v, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }
}
