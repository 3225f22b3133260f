package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.core.Json;
import io.imgtool.core.Sizes;
import io.imgtool.gpt.GptAttributes;
import io.imgtool.gpt.GptPartition;
import io.imgtool.gpt.GptTable;
import io.imgtool.gpt.PartitionTable;
import io.imgtool.gpt.ondisk.Guids;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the {@code part} commands share: reading a GPT to edit, numbers with units, descriptions. */
final class PartSupport {

    private PartSupport() {
    }

    /** Reads the GPT of {@code disk}, or explains why an edit is not possible. */
    static GptTable gpt(BlockDevice disk, int sectorSize) throws IOException {
        PartitionTable t = PartitionTable.read(disk, sectorSize);
        return switch (t.scheme()) {
            case GPT -> (GptTable) t;
            case MBR -> throw ImageException.invalidArgument("the disk has an MBR partition table, which imgtool only "
                    + "reads; 'imgtool part create --force' replaces it with a GPT");
            case NONE -> throw ImageException.invalidArgument("the disk has no partition table; "
                    + "'imgtool part create' makes a GPT");
        };
    }

    /**
     * A sector position: a bare number is a sector, a number with a unit (K, M, G, T, KiB ...) a byte
     * offset that must fall on a sector boundary.
     */
    static long sectorOf(String text, int sectorSize, String what) {
        String t = text.trim();
        if (t.chars().allMatch(Character::isDigit) && !t.isEmpty()) {
            return Long.parseLong(t);
        }
        long bytes = Sizes.parse(t);
        if (bytes % sectorSize != 0) {
            throw new IllegalArgumentException(what + " " + text + " is not a multiple of the sector size "
                    + sectorSize);
        }
        return bytes / sectorSize;
    }

    /** A length: a bare number is sectors, a number with a unit bytes, rounded up to whole sectors. */
    static long sectorsOf(String text, int sectorSize) {
        String t = text.trim();
        if (t.chars().allMatch(Character::isDigit) && !t.isEmpty()) {
            return Long.parseLong(t);
        }
        long bytes = Sizes.parse(t);
        return (bytes + sectorSize - 1) / sectorSize;
    }

    /** One line about a partition: "1: LBA 2048..4095 (1 MiB), Linux filesystem, 'SLX_SYS'". */
    static String describe(GptPartition p) {
        return p.number() + ": LBA " + p.firstLba() + ".." + p.lastLba() + " (" + Sizes.human(p.size()) + "), "
                + p.type().name() + (p.name().isEmpty() ? "" : ", '" + p.name() + "'");
    }

    /** A GPT partition as JSON. */
    static Map<String, Object> json(GptPartition p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("number", p.number());
        m.put("start", p.firstLba());
        m.put("end", p.lastLba());
        m.put("sectors", p.sectors());
        m.put("bytes", p.size());
        Map<String, Object> type = new LinkedHashMap<>();
        type.put("guid", Guids.toText(p.type().guid()));
        type.put("name", p.type().name());
        if (!p.type().aliases().isEmpty()) {
            type.put("alias", p.type().shortName());
        }
        m.put("type", type);
        m.put("guid", Guids.toText(p.partitionGuid()));
        m.put("name", p.name());
        Map<String, Object> attrs = new LinkedHashMap<>();
        attrs.put("value", GptAttributes.hex(p.attributes()));
        attrs.put("names", GptAttributes.names(p.attributes()));
        m.put("attributes", attrs);
        return m;
    }

    static void printChange(PrintWriter out, String what, Object before, Object after) {
        if (before.equals(after)) {
            out.println("  " + what + ": " + before + " (unchanged)");
        } else {
            out.println("  " + what + ": " + before + " -> " + after);
        }
    }

    /**
     * Prints a property a command reads or sets (fs-label, fs-uuid): JSON {@code {key, before,
     * changed}} when {@code set}, else {@code {key}}; as text the value alone, or its change (the
     * values in single quotes when {@code quote}).
     */
    static void printProperty(PrintWriter out, boolean json, boolean set, String key, String what, boolean quote,
                              String before, String after) {
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(key, after);
            if (set) {
                m.put("before", before);
                m.put("changed", !before.equals(after));
            }
            out.println(Json.write(m));
        } else if (!set) {
            out.println(after);
        } else if (quote) {
            printChange(out, what, "'" + before + "'", "'" + after + "'");
        } else {
            printChange(out, what, before, after);
        }
    }

    /** Writes the table unless it is a dry run; prints which. */
    static void commit(GptTable t, BlockDevice disk, boolean dryRun, PrintWriter out) throws IOException {
        if (dryRun) {
            t.validate(disk.size() / t.sectorSize());
            out.println("dry run: nothing written");
            return;
        }
        t.write(disk);
        disk.flush();
    }
}
