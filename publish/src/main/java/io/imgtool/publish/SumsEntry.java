package io.imgtool.publish;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One line of a sums file: a file name and its digest.
 *
 * @param algorithm the digest algorithm (implied by the digest's length in GNU lines)
 * @param digest the digest in lowercase hex
 * @param name the file name, unescaped (may contain newlines, backslashes, leading spaces)
 * @param binary whether the line marks the file as read in binary mode ({@code *name}); on GNU/Linux
 *               both modes hash the same bytes, the marker is kept only to write it back
 */
public record SumsEntry(HashAlgorithm algorithm, String digest, String name, boolean binary) {

    private static final Pattern HEX = Pattern.compile("[0-9a-f]*");

    public SumsEntry {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(name, "name");
        if (digest.length() != algorithm.hexLength() || !HEX.matcher(digest).matches()) {
            throw new IllegalArgumentException("not a lowercase " + algorithm.tag() + " hex digest: '" + digest + "'");
        }
        if (name.isEmpty() || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("file name must be non-empty and free of NUL");
        }
    }

    /**
     * The line as GNU coreutils writes it, with its newline: {@code digest␠␠name} or
     * {@code digest␠*name}; a name holding a backslash, newline or carriage return is escaped
     * ({@code \\}, {@code \n}, {@code \r}) and the line then starts with a backslash.
     */
    public String toLine() {
        boolean escape = needsEscape(name);
        StringBuilder sb = new StringBuilder(digest.length() + name.length() + 4);
        if (escape) {
            sb.append('\\');
        }
        sb.append(digest).append(' ').append(binary ? '*' : ' ');
        if (escape) {
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                switch (c) {
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    default -> sb.append(c);
                }
            }
        } else {
            sb.append(name);
        }
        return sb.append('\n').toString();
    }

    static boolean needsEscape(String name) {
        return name.indexOf('\\') >= 0 || name.indexOf('\n') >= 0 || name.indexOf('\r') >= 0;
    }
}
