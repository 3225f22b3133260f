package io.imgtool.cli;

import io.imgtool.core.ImageException;
import io.imgtool.core.Sizes;
import io.imgtool.qcow2.Qcow2Options;
import java.util.Locale;

/** Parses qemu-img style {@code -o key=value,key=value} creation options into {@link Qcow2Options}. */
final class Qcow2OptionParser {

    static final String HELP = "qcow2 options (comma-separated key=value, as qemu-img): cluster_size=64k, "
            + "compat=1.1|0.10, extended_l2=on|off, compression_type=zlib|zstd, refcount_bits=1..64, "
            + "lazy_refcounts=on|off";

    private Qcow2OptionParser() {
    }

    static Qcow2Options.Builder parse(java.util.List<String> opts) throws ImageException {
        Qcow2Options.Builder b = Qcow2Options.builder();
        if (opts == null) {
            return b;
        }
        for (String group : opts) {
            for (String kv : group.split(",")) {
                if (kv.isBlank()) {
                    continue;
                }
                int eq = kv.indexOf('=');
                String k = (eq < 0 ? kv : kv.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
                String v = eq < 0 ? "on" : kv.substring(eq + 1).trim();
                switch (k) {
                    case "cluster_size" -> b.clusterSize((int) Sizes.parse(v));
                    case "compat" -> b.compat(v);
                    case "extended_l2" -> b.extendedL2(bool(k, v));
                    case "lazy_refcounts" -> b.lazyRefcounts(bool(k, v));
                    case "refcount_bits" -> b.refcountBits(Integer.parseInt(v));
                    case "compression_type" -> b.compression(compression(v));
                    default -> throw ImageException.invalidArgument("unknown qcow2 option '" + k + "' (" + HELP + ")");
                }
            }
        }
        return b;
    }

    static Qcow2Options.Compression compression(String v) throws ImageException {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "zlib", "deflate" -> Qcow2Options.Compression.DEFLATE;
            case "zstd" -> Qcow2Options.Compression.ZSTD;
            default -> throw ImageException.invalidArgument("compression must be deflate (zlib) or zstd, not " + v);
        };
    }

    private static boolean bool(String k, String v) throws ImageException {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "on", "true", "yes", "1" -> true;
            case "off", "false", "no", "0" -> false;
            default -> throw ImageException.invalidArgument(k + " must be on or off, not " + v);
        };
    }
}
