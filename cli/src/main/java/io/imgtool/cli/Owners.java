package io.imgtool.cli;

import io.imgtool.core.ImageException;

/** Parses numeric owners ("UID", "UID:GID", ":GID") and octal modes for the filesystem commands. */
final class Owners {

    private Owners() {
    }

    /** {uid, gid}, -1 for a part not given. */
    static long[] parse(String s) throws ImageException {
        String[] p = s.split(":", -1);
        if (p.length > 2) {
            throw ImageException.invalidArgument("owner '" + s + "' is not UID[:GID]");
        }
        return new long[] {id(p[0], s), p.length > 1 ? id(p[1], s) : -1};
    }

    private static long id(String x, String all) throws ImageException {
        if (x.isEmpty()) {
            return -1;
        }
        try {
            long v = Long.parseLong(x);
            if (v < 0 || v > 0xffffffffL) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw ImageException.invalidArgument("owner '" + all + "': ids are numbers (a guest's names live in its "
                    + "own /etc/passwd)");
        }
    }

    /** An octal mode "0644", "4755" (at most 07777). */
    static int mode(String s) throws ImageException {
        try {
            int m = Integer.parseInt(s, 8);
            if (m < 0 || m > 07777) {
                throw new NumberFormatException();
            }
            return m;
        } catch (NumberFormatException e) {
            throw ImageException.invalidArgument("mode '" + s + "' is not octal 0..7777");
        }
    }
}
