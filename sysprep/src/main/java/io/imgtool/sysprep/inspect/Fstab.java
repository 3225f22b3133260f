package io.imgtool.sysprep.inspect;

import io.imgtool.core.ImageFormatException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The guest's {@code /etc/fstab} (fstab(5)): one {@link Entry} per non-comment line, fields separated
 * by blanks, octal escapes ({@code \040} for a space) decoded, the last two fields optional (0).
 *
 * @param entries the entries in file order
 */
public record Fstab(List<Entry> entries) {

    /** Larger files are not fstab files. */
    public static final int MAX_SIZE = 1 << 20;

    public Fstab {
        entries = List.copyOf(entries);
    }

    /**
     * One mount.
     *
     * @param spec what is mounted ("UUID=...", "/dev/vda2", "tmpfs")
     * @param mountPoint where ("/var"; "none" or "swap" for swap)
     * @param type the filesystem type ("ext4", "auto", "swap")
     * @param options the mount options, split at commas
     * @param freq the dump frequency
     * @param passno the fsck pass
     * @param line the line number in the file, from 1
     */
    public record Entry(String spec, String mountPoint, String type, List<String> options, int freq, int passno,
                        int line) {

        public Entry {
            options = List.copyOf(options);
        }

        /** The entry may be missing at boot ({@code nofail}). */
        public boolean nofail() {
            return options.contains("nofail");
        }

        /** Not mounted at boot ({@code noauto}). */
        public boolean noauto() {
            return options.contains("noauto");
        }

        /** A bind mount of another directory, not a filesystem. */
        public boolean bind() {
            return options.contains("bind") || options.contains("rbind");
        }

        /** Mounted read-only. */
        public boolean readOnly() {
            return options.contains("ro");
        }

        /** A swap area. */
        public boolean swap() {
            return type.equals("swap");
        }

        /**
         * A filesystem that does not live on a disk of the image: kernel filesystems, tmpfs, network
         * and FUSE filesystems.
         */
        public boolean virtual() {
            String t = type.toLowerCase(Locale.ROOT);
            return VIRTUAL.contains(t) || t.startsWith("fuse") || t.startsWith("cgroup") || t.startsWith("nfs");
        }

        @Override
        public String toString() {
            return spec + " " + mountPoint + " " + type + " " + String.join(",", options) + " " + freq + " " + passno;
        }
    }

    static final List<String> VIRTUAL = List.of("proc", "sysfs", "devpts", "tmpfs", "devtmpfs", "ramfs", "securityfs",
            "debugfs", "tracefs", "mqueue", "hugetlbfs", "configfs", "efivarfs", "bpf", "pstore", "autofs", "binfmt_misc",
            "fusectl", "none", "cifs", "smb3", "smbfs", "9p", "virtiofs", "glusterfs", "ceph", "sshfs", "davfs",
            "overlay", "squashfs", "iso9660", "udf");

    /**
     * Parses fstab text.
     *
     * @param source a name for messages ("/etc/fstab")
     * @throws ImageFormatException when the file is too large, a line has fewer than 4 fields or a
     *     number field is not a number
     */
    public static Fstab parse(String text, String source) throws ImageFormatException {
        if (text.length() > MAX_SIZE) {
            throw new ImageFormatException("guest file " + source, "size", -1, text.length(),
                    "larger than " + MAX_SIZE + " bytes; not an fstab");
        }
        List<Entry> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i].strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] f = l.split("[ \t]+");
            // mount(8) accepts 2 or 3 fields too (type "auto", options "defaults"); so does this.
            if (f.length < 2) {
                throw new ImageFormatException("guest file " + source, "line " + (i + 1), -1, lines[i],
                        "an fstab line needs at least a device and a mount point");
            }
            String spec = unescape(f[0]);
            String mp = unescape(f[1]);
            String type = f.length > 2 ? unescape(f[2]) : "auto";
            List<String> opts = f.length > 3 ? List.of(unescape(f[3]).split(",")) : List.of("defaults");
            int freq = f.length > 4 ? number(f[4], source, i + 1) : 0;
            int pass = f.length > 5 ? number(f[5], source, i + 1) : 0;
            out.add(new Entry(spec, mp, type, opts, freq, pass, i + 1));
        }
        return new Fstab(out);
    }

    private static int number(String s, String source, int line) throws ImageFormatException {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new ImageFormatException("guest file " + source, "line " + line, -1, s, "not a number");
        }
    }

    /** Decodes fstab's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int k = from; k < from + 3; k++) {
            char c = s.charAt(k);
            if (c < '0' || c > '7') {
                return false;
            }
        }
        return true;
    }
}
