package io.imgtool.sysprep;

/**
 * fnmatch(3) of one path component, without escapes (FNM_NOESCAPE) and with FNM_PERIOD: a leading
 * dot is matched only by a literal dot, as glob(3) does. Supports {@code * ? [abc] [a-z] [!x] [^x]}.
 */
public final class Glob {

    private Glob() {
    }

    /** Whether {@code component} contains a wildcard character. */
    public static boolean hasWildcard(String component) {
        return component.indexOf('*') >= 0 || component.indexOf('?') >= 0 || component.indexOf('[') >= 0;
    }

    /** Whether {@code name} (one component) matches {@code pattern}, glob(3) style. */
    public static boolean matches(String pattern, String name) {
        if (name.startsWith(".") && !pattern.startsWith(".")) {
            return false;
        }
        return match(pattern, 0, name, 0, 0);
    }

    /** fnmatch without the leading-dot rule (FNM_NOESCAPE only). */
    public static boolean fnmatch(String pattern, String name) {
        return match(pattern, 0, name, 0, 0);
    }

    /**
     * Two-pointer wildcard matching: on a mismatch, back up to the last star and let it swallow one
     * more character. Every token other than a star consumes exactly one character, so this is
     * exact and takes O(pattern x name) time whatever the pattern.
     */
    private static boolean match(String p, int pi, String s, int si, int unused) {
        int starP = -1;
        int starS = -1;
        while (si < s.length()) {
            if (pi < p.length() && p.charAt(pi) == '*') {
                starP = ++pi;
                starS = si;
                continue;
            }
            int next = pi < p.length() ? step(p, pi, s.charAt(si)) : -1;
            if (next >= 0) {
                pi = next;
                si++;
            } else if (starP >= 0) {
                pi = starP;
                si = ++starS;
            } else {
                return false;
            }
        }
        while (pi < p.length() && p.charAt(pi) == '*') {
            pi++;
        }
        return pi == p.length();
    }

    /** If the token at {@code pi} matches {@code ch}: the index after the token, else -1. */
    private static int step(String p, int pi, char ch) {
        char c = p.charAt(pi);
        if (c == '?') {
            return pi + 1;
        }
        if (c == '[') {
            int end = classEnd(p, pi);
            if (end >= 0) {
                return inClass(p, pi + 1, end, ch) ? end + 1 : -1;
            }
        }
        return c == ch ? pi + 1 : -1;
    }

    /** Index of the ']' closing the class opened at {@code open}, or -1. */
    private static int classEnd(String p, int open) {
        int i = open + 1;
        if (i < p.length() && (p.charAt(i) == '!' || p.charAt(i) == '^')) {
            i++;
        }
        if (i < p.length() && p.charAt(i) == ']') {
            i++;
        }
        while (i < p.length()) {
            if (p.charAt(i) == ']') {
                return i;
            }
            i++;
        }
        return -1;
    }

    private static boolean inClass(String p, int from, int end, char ch) {
        boolean negate = false;
        int i = from;
        if (p.charAt(i) == '!' || p.charAt(i) == '^') {
            negate = true;
            i++;
        }
        boolean hit = false;
        boolean first = true;
        while (i < end) {
            char lo = p.charAt(i);
            if (lo == ']' && !first) {
                break;
            }
            first = false;
            if (i + 2 < end && p.charAt(i + 1) == '-') {
                char hi = p.charAt(i + 2);
                if (lo <= ch && ch <= hi) {
                    hit = true;
                }
                i += 3;
            } else {
                if (lo == ch) {
                    hit = true;
                }
                i++;
            }
        }
        return hit != negate;
    }
}
