package io.imgtool.sysprep.inspect;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The device field of an fstab entry, and which partition of the image it names: {@code UUID=},
 * {@code LABEL=}, {@code PARTUUID=}, {@code PARTLABEL=} (also as {@code /dev/disk/by-*} links, with
 * udev's {@code \x2f} escapes), device names of the first disk ({@code /dev/vda2}, {@code /dev/sda2},
 * {@code /dev/xvda2}, {@code /dev/hda2}, {@code /dev/nvme0n1p2}, {@code /dev/mmcblk0p2}; the disk
 * itself for a bare filesystem) and {@code /dev/root}.
 */
final class DeviceSpec {

    private static final Pattern DISK = Pattern.compile(
            "/dev/(?:(?:[svh]d|xvd)a(\\d*)|nvme0n1(?:p(\\d+))?|mmcblk0(?:p(\\d+))?)");

    private DeviceSpec() {
    }

    /**
     * The partition {@code spec} names among {@code parts}; {@code root} answers {@code /dev/root}.
     * Empty when it names none of them (another disk, LVM, a UUID the image does not have).
     */
    static Optional<GuestPartition> find(String spec, List<GuestPartition> parts, GuestPartition root) {
        String s = spec;
        String key = null;
        String value = null;
        int eq = s.indexOf('=');
        if (eq > 0 && !s.startsWith("/")) {
            key = s.substring(0, eq).toUpperCase(Locale.ROOT);
            value = unquote(s.substring(eq + 1));
        } else if (s.startsWith("/dev/disk/by-")) {
            int slash = s.indexOf('/', "/dev/disk/by-".length());
            if (slash > 0) {
                key = s.substring("/dev/disk/by-".length(), slash).toUpperCase(Locale.ROOT);
                value = udevUnescape(s.substring(slash + 1));
            }
        }
        if (key != null) {
            String v = value;
            return switch (key) {
                case "UUID" -> parts.stream().filter(p -> p.filesystem() != null && p.filesystem().uuid().equalsIgnoreCase(v)).findFirst();
                case "LABEL" -> parts.stream().filter(p -> p.filesystem() != null && p.filesystem().label().equals(v)).findFirst();
                case "PARTUUID" -> parts.stream().filter(p -> !p.partuuid().isEmpty() && p.partuuid().equalsIgnoreCase(v)).findFirst();
                case "PARTLABEL" -> parts.stream().filter(p -> !p.name().isEmpty() && p.name().equals(v)).findFirst();
                default -> Optional.empty();
            };
        }
        if (s.equals("/dev/root")) {
            return Optional.of(root);
        }
        Matcher m = DISK.matcher(s);
        if (m.matches()) {
            String n = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
            int number = n == null || n.isEmpty() ? 0 : parse(n);
            return parts.stream().filter(p -> p.number() == number).findFirst();
        }
        return Optional.empty();
    }

    private static int parse(String digits) {
        return digits.length() > 6 ? -1 : Integer.parseInt(digits);
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }

    /** udev's escapes in /dev/disk/by-label names: {@code \x2f} for '/', {@code \x20} for a space. */
    static String udevUnescape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.charAt(i + 1) == 'x' && isHex(s.charAt(i + 2)) && isHex(s.charAt(i + 3))) {
                sb.append((char) Integer.parseInt(s.substring(i + 2, i + 4), 16));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }
}
