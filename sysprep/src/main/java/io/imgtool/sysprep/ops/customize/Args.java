package io.imgtool.sysprep.ops.customize;

/** Splitting of the {@code A:B} command-line forms. */
final class Args {

    private Args() {
    }

    /** Splits at the first ':'; both sides must be non-empty unless {@code emptySecond}. */
    static String[] split(String option, String value, String form, boolean emptySecond) {
        int c = value == null ? -1 : value.indexOf(':');
        if (c <= 0 || (!emptySecond && c == value.length() - 1)) {
            throw new IllegalArgumentException(option + ": expected " + form + ", got '" + value + "'");
        }
        return new String[] {value.substring(0, c), value.substring(c + 1)};
    }

    /** Checks a guest path: absolute, no NUL, no newline. */
    static String guestPath(String option, String path) {
        if (path == null || !path.startsWith("/") || path.indexOf('\0') >= 0 || path.indexOf('\n') >= 0) {
            throw new IllegalArgumentException(option + ": guest path must be absolute: '" + path + "'");
        }
        return path;
    }
}
