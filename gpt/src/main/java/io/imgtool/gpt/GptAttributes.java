package io.imgtool.gpt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Names for the GPT partition attribute bits. Bits 0-2 are defined by the UEFI specification for
 * every type; 48-63 belong to the partition type, and the names here are the ones the Discoverable
 * Partitions Specification (and Microsoft's basic data type) give them.
 *
 * <table>
 *   <caption>attribute names</caption>
 *   <tr><th>bit</th><th>name</th><th>meaning</th></tr>
 *   <tr><td>0</td><td>required</td><td>platform required: do not delete</td></tr>
 *   <tr><td>1</td><td>no-block-io</td><td>EFI firmware: do not produce a block I/O protocol</td></tr>
 *   <tr><td>2</td><td>legacy-bios-bootable</td><td>legacy BIOS bootable</td></tr>
 *   <tr><td>59</td><td>growfs</td><td>grow the file system to the partition on mount</td></tr>
 *   <tr><td>60</td><td>read-only</td><td>mount read-only</td></tr>
 *   <tr><td>62</td><td>hidden</td><td>hidden</td></tr>
 *   <tr><td>63</td><td>no-automount</td><td>do not auto-discover / mount</td></tr>
 * </table>
 */
public final class GptAttributes {

    private static final Map<String, Integer> BITS = new LinkedHashMap<>();

    static {
        BITS.put("required", 0);
        BITS.put("no-block-io", 1);
        BITS.put("legacy-bios-bootable", 2);
        BITS.put("growfs", 59);
        BITS.put("read-only", 60);
        BITS.put("hidden", 62);
        BITS.put("no-automount", 63);
    }

    private static final Map<String, Integer> ALIASES = Map.of(
            "system", 0, "requiredpartition", 0, "noblockioprotocol", 1, "bootable", 2,
            "legacybiosbootable", 2, "readonly", 60, "no-auto", 63, "noauto", 63);

    private GptAttributes() {
    }

    /** The bit a name stands for: a name above, or a number 0..63 ("60", "bit60", "GUID:60"). */
    public static int bit(String name) {
        String s = name.trim().toLowerCase(Locale.ROOT);
        Integer b = BITS.get(s);
        if (b == null) {
            b = ALIASES.get(s);
        }
        if (b != null) {
            return b;
        }
        String digits = s.startsWith("guid:") ? s.substring(5) : s.startsWith("bit") ? s.substring(3) : s;
        try {
            int n = Integer.parseInt(digits);
            if (n >= 0 && n <= 63) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the error
        }
        throw new IllegalArgumentException("unknown attribute '" + name + "': use a bit number 0-63 or one of "
                + String.join(", ", BITS.keySet()));
    }

    /** The bits of a comma-separated list of names or numbers, as a mask. */
    public static long mask(String list) {
        long m = 0;
        for (String part : list.split(",")) {
            if (!part.isBlank()) {
                m |= 1L << bit(part);
            }
        }
        return m;
    }

    /** The names of the set bits, lowest first; bits without a name as "bit N". */
    public static List<String> names(long attributes) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            if ((attributes & (1L << i)) != 0) {
                out.add(nameOf(i));
            }
        }
        return out;
    }

    /** The name of one bit, or "bitN" when it has none. */
    public static String nameOf(int bit) {
        for (Map.Entry<String, Integer> e : BITS.entrySet()) {
            if (e.getValue() == bit) {
                return e.getKey();
            }
        }
        return "bit" + bit;
    }

    /** "0x" and 16 hex digits, as sgdisk prints the attribute word. */
    public static String hex(long attributes) {
        return String.format("0x%016x", attributes);
    }
}
