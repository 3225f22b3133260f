package io.imgtool.sysprep;

import io.imgtool.core.ImageFormatException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code /etc/os-release} (os-release(5)) says about the guest: the family sealing acts on,
 * the distribution's ID and version, and every field as read.
 *
 * @param family the family derived from {@code ID}, else from {@code ID_LIKE}
 * @param id {@code ID} ("debian", "rocky"), or "linux" when missing
 * @param versionId {@code VERSION_ID} ("12", "9.4"), or "" when missing (rolling releases)
 * @param prettyName {@code PRETTY_NAME}, or {@code NAME}, or the id
 * @param fields every assignment in file order
 */
public record OsInfo(OsFamily family, String id, String versionId, String prettyName, Map<String, String> fields) {

    /** Files longer than this are not os-release files. */
    static final int MAX_SIZE = 64 * 1024;

    public OsInfo {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** A guest without os-release: family OTHER, id "linux". */
    public static OsInfo unknown() {
        return new OsInfo(OsFamily.OTHER, "linux", "", "Linux", Map.of());
    }

    /** The major version: the digits before the first dot of VERSION_ID, or -1. */
    public int majorVersion() {
        int end = 0;
        while (end < versionId.length() && Character.isDigit(versionId.charAt(end))) {
            end++;
        }
        if (end == 0 || end > 9) {
            return -1;
        }
        return Integer.parseInt(versionId.substring(0, end));
    }

    /** The value of a field, or "" when absent. */
    public String field(String name) {
        return fields.getOrDefault(name, "");
    }

    /**
     * Parses os-release text. Lines are {@code KEY=value}; values may be quoted with double or single
     * quotes, and inside double quotes a backslash escapes {@code \ " $ `}. Comments and blank lines
     * are skipped; a line that is not an assignment is ignored (as systemd does, with a warning).
     *
     * @param source a name for error messages ("/etc/os-release")
     * @throws ImageFormatException when the text is too large or a quote is not closed
     */
    public static OsInfo parse(String text, String source) throws ImageFormatException {
        if (text.length() > MAX_SIZE) {
            throw new ImageFormatException("guest file " + source, "size", -1, text.length(),
                    "larger than " + MAX_SIZE + " bytes: not an os-release file");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0 || !isKey(line.substring(0, eq))) {
                continue;
            }
            fields.put(line.substring(0, eq), unquote(line.substring(eq + 1), source, i + 1));
        }
        String id = fields.getOrDefault("ID", "linux");
        OsFamily family = OsFamily.ofId(id);
        if (family == OsFamily.OTHER) {
            for (String like : fields.getOrDefault("ID_LIKE", "").split("\\s+")) {
                OsFamily f = OsFamily.ofId(like);
                if (f != OsFamily.OTHER) {
                    family = f;
                    break;
                }
            }
        }
        String pretty = fields.getOrDefault("PRETTY_NAME", fields.getOrDefault("NAME", id));
        return new OsInfo(family, id, fields.getOrDefault("VERSION_ID", ""), pretty, fields);
    }

    private static boolean isKey(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= 'a' && c <= 'z')) {
                return false;
            }
        }
        return true;
    }

    private static String unquote(String v, String source, int lineNo) throws ImageFormatException {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < v.length()) {
            char c = v.charAt(i);
            if (c == '"' || c == '\'') {
                int j = i + 1;
                boolean closed = false;
                while (j < v.length()) {
                    char d = v.charAt(j);
                    if (d == c) {
                        closed = true;
                        break;
                    }
                    if (c == '"' && d == '\\' && j + 1 < v.length() && "\\\"$`".indexOf(v.charAt(j + 1)) >= 0) {
                        out.append(v.charAt(j + 1));
                        j += 2;
                        continue;
                    }
                    out.append(d);
                    j++;
                }
                if (!closed) {
                    throw new ImageFormatException("guest file " + source, "line " + lineNo, -1, v,
                            "unterminated quote");
                }
                i = j + 1;
            } else if (c == '\\' && i + 1 < v.length()) {
                out.append(v.charAt(i + 1));
                i += 2;
            } else if (c == '#' && (i == 0 || Character.isWhitespace(v.charAt(i - 1)))) {
                break;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString().strip();
    }

    /** The families, for documentation tables. */
    public static List<OsFamily> families() {
        return List.of(OsFamily.values());
    }
}
