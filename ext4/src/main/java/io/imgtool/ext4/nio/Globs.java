package io.imgtool.ext4.nio;

import java.util.regex.PatternSyntaxException;

/** Turns a glob ("*.conf", "**&#47;*.log", "{a,b}", "[!x]") into a regex, with java.nio's rules. */
final class Globs {

    private Globs() {
    }

    static String toRegex(String glob) {
        StringBuilder re = new StringBuilder("^");
        boolean inGroup = false;
        int i = 0;
        while (i < glob.length()) {
            char c = glob.charAt(i++);
            switch (c) {
                case '\\' -> {
                    if (i == glob.length()) {
                        throw new PatternSyntaxException("no character to escape", glob, i - 1);
                    }
                    re.append(java.util.regex.Pattern.quote(String.valueOf(glob.charAt(i++))));
                }
                case '/' -> re.append('/');
                case '[' -> {
                    re.append("[[^/]&&[");
                    if (i < glob.length() && glob.charAt(i) == '!') {
                        re.append('^');
                        i++;
                    }
                    boolean closed = false;
                    while (i < glob.length()) {
                        char d = glob.charAt(i++);
                        if (d == ']') {
                            closed = true;
                            break;
                        }
                        if (d == '\\' || d == '[' || d == '&' || d == '^') {
                            re.append('\\');
                        }
                        re.append(d);
                    }
                    if (!closed) {
                        throw new PatternSyntaxException("missing ']'", glob, i - 1);
                    }
                    re.append("]]");
                }
                case '{' -> {
                    if (inGroup) {
                        throw new PatternSyntaxException("nested group", glob, i - 1);
                    }
                    re.append("(?:(?:");
                    inGroup = true;
                }
                case '}' -> {
                    if (inGroup) {
                        re.append("))");
                        inGroup = false;
                    } else {
                        re.append('}');
                    }
                }
                case ',' -> re.append(inGroup ? ")|(?:" : ",");
                case '*' -> {
                    if (i < glob.length() && glob.charAt(i) == '*') {
                        re.append(".*");
                        i++;
                    } else {
                        re.append("[^/]*");
                    }
                }
                case '?' -> re.append("[^/]");
                default -> {
                    if ("^$.|+()".indexOf(c) >= 0) {
                        re.append('\\');
                    }
                    re.append(c);
                }
            }
        }
        if (inGroup) {
            throw new PatternSyntaxException("missing '}'", glob, i - 1);
        }
        return re.append('$').toString();
    }
}
