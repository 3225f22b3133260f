package io.imgtool.core;

import java.util.Locale;

/** Parsing and printing of byte sizes the way qemu-img and the coreutils do ("4G", "512M", "4 GiB"). */
public final class Sizes {

    private Sizes() {
    }

    /**
     * Parses a size: a decimal number of bytes, optionally with a binary suffix
     * {@code k K M G T P E} (also {@code KiB}, {@code MB}...: always powers of 1024, as qemu-img reads them)
     * or {@code B} for bytes. Fractions are allowed with a suffix ("1.5G"). Rejects negative values and
     * overflow.
     */
    public static long parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty size");
        }
        String s = text.trim();
        int i = 0;
        while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("not a size: '" + text + "'");
        }
        String number = s.substring(0, i);
        String suffix = s.substring(i).trim().toUpperCase(Locale.ROOT);
        int shift;
        switch (suffix) {
            case "": case "B": shift = 0; break;
            case "K": case "KB": case "KIB": shift = 10; break;
            case "M": case "MB": case "MIB": shift = 20; break;
            case "G": case "GB": case "GIB": shift = 30; break;
            case "T": case "TB": case "TIB": shift = 40; break;
            case "P": case "PB": case "PIB": shift = 50; break;
            case "E": case "EB": case "EIB": shift = 60; break;
            default: throw new IllegalArgumentException("unknown size suffix in '" + text + "'");
        }
        try {
            if (number.contains(".")) {
                if (shift == 0) {
                    throw new IllegalArgumentException("a size in bytes must be whole: '" + text + "'");
                }
                java.math.BigDecimal v = new java.math.BigDecimal(number).multiply(java.math.BigDecimal.valueOf(2).pow(shift));
                return v.setScale(0, java.math.RoundingMode.DOWN).longValueExact();
            }
            long v = Long.parseLong(number);
            if (shift > 0 && v > (Long.MAX_VALUE >> shift)) {
                throw new IllegalArgumentException("size too large: '" + text + "'");
            }
            return v << shift;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a size: '" + text + "'");
        }
    }

    /** A short human form with a binary unit: "4 GiB", "1.5 MiB", "512 B" (as qemu-img info prints). */
    public static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        // Three significant digits, trailing zeros dropped: 1.5 GiB, 10 MiB, 1020 KiB.
        java.math.BigDecimal d = v >= 1000
                ? new java.math.BigDecimal(v).setScale(0, java.math.RoundingMode.HALF_UP)
                : new java.math.BigDecimal(v).round(new java.math.MathContext(3));
        return d.stripTrailingZeros().toPlainString() + " " + units[u];
    }
}
