package io.imgtool.sysprep.ops;

import io.imgtool.core.ImageFormatException;
import io.imgtool.sysprep.GuestFiles;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads the guest's colon-separated account files (/etc/passwd, /etc/shadow, /etc/group). */
public final class Accounts {

    /** One /etc/passwd entry. */
    public record User(String name, int uid, int gid, String home, String shell) {
    }

    private Accounts() {
    }

    /** Every well-formed entry of /etc/passwd (comments and malformed lines skipped). */
    public static List<User> users(GuestFiles files) throws IOException {
        List<User> out = new ArrayList<>();
        if (files.typeFollow("/etc/passwd") != GuestFiles.Type.FILE) {
            return out;
        }
        for (String line : files.readText("/etc/passwd").split("\n")) {
            String[] f = line.split(":", -1);
            if (line.startsWith("#") || f.length < 7) {
                continue;
            }
            int uid = parseId(f[2]);
            int gid = parseId(f[3]);
            if (uid < 0 || gid < 0) {
                continue;
            }
            out.add(new User(f[0], uid, gid, f[5], f[6]));
        }
        return out;
    }

    /** The entry of {@code name}. */
    public static Optional<User> user(GuestFiles files, String name) throws IOException {
        for (User u : users(files)) {
            if (u.name().equals(name)) {
                return Optional.of(u);
            }
        }
        return Optional.empty();
    }

    /** A decimal uid or gid, or -1 when the text is not one. */
    static int parseId(String s) {
        if (s.isEmpty() || s.length() > 10) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return -1;
            }
        }
        long v = Long.parseLong(s);
        return v > Integer.MAX_VALUE ? -1 : (int) v;
    }

    /**
     * Rewrites a colon file without the lines whose first field is one of {@code names}.
     *
     * @return whether a line was dropped
     */
    static boolean dropEntries(GuestFiles files, String path, java.util.Set<String> names) throws IOException {
        if (files.typeFollow(path) != GuestFiles.Type.FILE) {
            return false;
        }
        String text = files.readText(path);
        List<String> keep = new ArrayList<>();
        boolean dropped = false;
        for (String line : text.split("\n", -1)) {
            int c = line.indexOf(':');
            if (c > 0 && names.contains(line.substring(0, c))) {
                dropped = true;
            } else {
                keep.add(line);
            }
        }
        if (dropped) {
            files.rewriteText(path, String.join("\n", keep));
        }
        return dropped;
    }

    /** A value of /etc/login.defs, or {@code dflt}. */
    static int loginDefs(GuestFiles files, String key, int dflt) throws IOException {
        if (files.typeFollow("/etc/login.defs") != GuestFiles.Type.FILE) {
            return dflt;
        }
        for (String line : files.readText("/etc/login.defs").split("\n")) {
            String[] w = line.strip().split("\\s+");
            if (w.length >= 2 && w[0].equals(key)) {
                int v = parseId(w[1]);
                if (v < 0) {
                    throw new ImageFormatException("guest file /etc/login.defs", key, -1, w[1], "not a number");
                }
                return v;
            }
        }
        return dflt;
    }
}
