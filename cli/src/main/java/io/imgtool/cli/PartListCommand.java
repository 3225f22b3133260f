package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.Json;
import io.imgtool.core.Sizes;
import io.imgtool.gpt.FilesystemProbe;
import io.imgtool.gpt.GptAttributes;
import io.imgtool.gpt.GptPartition;
import io.imgtool.gpt.GptTable;
import io.imgtool.gpt.MbrPartition;
import io.imgtool.gpt.MbrTable;
import io.imgtool.gpt.NoPartitionTable;
import io.imgtool.gpt.Partition;
import io.imgtool.gpt.PartitionTable;
import io.imgtool.gpt.ondisk.Guids;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code imgtool part list IMAGE}: the table, its partitions and the filesystem in each. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List the partitions: number, start, end, size, type name and GUID, partition GUID, name, "
                + "attributes, and the filesystem found inside with its label.")
public final class PartListCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk image.")
    Path image;

    @Mixin
    SectorSizeOption sectorSize;

    @Mixin
    JsonOption json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        try (BlockDevice disk = Disks.open(image, false)) {
            int ss = sectorSize.resolve(disk);
            PartitionTable t = PartitionTable.read(disk, ss);
            List<Optional<FilesystemProbe.Info>> fs = new ArrayList<>();
            for (Partition p : t.partitions()) {
                fs.add(probe(disk, p));
            }
            Optional<FilesystemProbe.Info> whole = t.scheme() == PartitionTable.Scheme.NONE
                    ? FilesystemProbe.probe(disk) : Optional.empty();
            if (json.enabled()) {
                out.println(Json.write(toJson(t, disk.size(), fs, whole)));
            } else {
                printText(out, t, disk.size(), fs, whole);
            }
        }
        return ExitCodes.OK;
    }

    private static Optional<FilesystemProbe.Info> probe(BlockDevice disk, Partition p) throws IOException {
        if (p instanceof MbrPartition m && m.kind() == MbrPartition.Kind.EXTENDED) {
            return Optional.empty();
        }
        if (p.firstLba() < 0 || p.lastLba() < p.firstLba() || p.lastLba() >= disk.size() / p.sectorSize()) {
            return Optional.empty();
        }
        try (BlockDevice part = p.open(disk)) {
            return FilesystemProbe.probe(part);
        }
    }

    private static Map<String, Object> fsJson(Optional<FilesystemProbe.Info> i) {
        if (i.isEmpty()) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", i.get().type());
        m.put("label", i.get().label());
        m.put("uuid", i.get().uuid());
        return m;
    }

    static Map<String, Object> toJson(PartitionTable t, long diskBytes, List<Optional<FilesystemProbe.Info>> fs,
                                      Optional<FilesystemProbe.Info> whole) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scheme", t.scheme());
        m.put("sectorSize", t.sectorSize());
        m.put("diskBytes", diskBytes);
        m.put("diskSectors", diskBytes / t.sectorSize());
        if (t instanceof GptTable g) {
            m.put("diskGuid", Guids.toText(g.diskGuid()));
            m.put("firstUsableLba", g.firstUsableLba());
            m.put("lastUsableLba", g.lastUsableLba());
            m.put("entries", g.entryCount());
            m.put("entrySize", g.entrySize());
            m.put("backupLba", g.backupLba());
            m.put("readFrom", g.report().source());
            m.put("mbr", g.report().mbrState());
            List<String> problems = new ArrayList<>();
            if (g.report().primaryProblem() != null) {
                problems.add(g.report().primaryProblem());
            }
            if (g.report().backupProblem() != null) {
                problems.add(g.report().backupProblem());
            }
            problems.addAll(g.report().differences());
            m.put("problems", problems);
        } else if (t instanceof MbrTable mt) {
            m.put("diskSignature", String.format("0x%08x", mt.diskSignature()));
            m.put("problems", mt.problems());
        } else if (t instanceof NoPartitionTable) {
            m.put("filesystem", fsJson(whole));
        }
        List<Object> parts = new ArrayList<>();
        for (int i = 0; i < t.partitions().size(); i++) {
            Partition p = t.partitions().get(i);
            Map<String, Object> pm;
            if (p instanceof GptPartition g) {
                pm = PartSupport.json(g);
            } else {
                MbrPartition mp = (MbrPartition) p;
                pm = new LinkedHashMap<>();
                pm.put("number", mp.number());
                pm.put("start", mp.firstLba());
                pm.put("end", mp.lastLba());
                pm.put("sectors", mp.sectors());
                pm.put("bytes", mp.size());
                pm.put("kind", mp.kind());
                Map<String, Object> type = new LinkedHashMap<>();
                type.put("id", String.format("0x%02x", mp.type()));
                type.put("name", mp.typeDescription().substring(5));
                pm.put("type", type);
                pm.put("bootable", mp.bootable());
            }
            pm.put("filesystem", fsJson(fs.get(i)));
            parts.add(pm);
        }
        m.put("partitions", parts);
        return m;
    }

    private static String fsText(Optional<FilesystemProbe.Info> i) {
        if (i.isEmpty()) {
            return "-";
        }
        return i.get().type() + (i.get().label().isEmpty() ? "" : " \"" + i.get().label() + "\"");
    }

    static void printText(PrintWriter out, PartitionTable t, long diskBytes, List<Optional<FilesystemProbe.Info>> fs,
                          Optional<FilesystemProbe.Info> whole) {
        long sectors = diskBytes / t.sectorSize();
        String size = Sizes.human(diskBytes) + ", " + sectors + " sectors of " + t.sectorSize() + " bytes";
        if (t instanceof NoPartitionTable) {
            out.println("No partition table (" + size + ")."
                    + whole.map(i -> " The whole disk holds " + fsText(Optional.of(i)) + ".").orElse(""));
            return;
        }
        if (t instanceof GptTable g) {
            out.println("GPT, " + size);
            out.println("Disk GUID " + Guids.toText(g.diskGuid()) + ", usable LBA " + g.firstUsableLba() + ".."
                    + g.lastUsableLba() + ", " + g.entryCount() + " entries of " + g.entrySize() + " bytes");
            GptTable.ReadReport r = g.report();
            if (r.source() == GptTable.Source.BACKUP) {
                out.println("Read from the BACKUP copy: " + r.primaryProblem());
            } else if (r.backupProblem() != null) {
                out.println("Backup copy damaged: " + r.backupProblem());
            }
            for (String d : r.differences()) {
                out.println("Copies differ: " + d);
            }
            if (r.mbrState() == GptTable.MbrState.HYBRID) {
                out.println("Hybrid MBR present.");
            } else if (r.mbrState() != GptTable.MbrState.PROTECTIVE) {
                out.println("No protective MBR (" + r.mbrState().name().toLowerCase().replace('_', ' ') + ").");
            }
        } else {
            MbrTable m = (MbrTable) t;
            out.println("MBR, " + size + String.format(", disk signature 0x%08x", m.diskSignature()));
            for (String p : m.problems()) {
                out.println("Problem: " + p);
            }
        }
        if (t.partitions().isEmpty()) {
            out.println("No partitions.");
            return;
        }
        List<String[]> rows = new ArrayList<>();
        boolean gpt = t instanceof GptTable;
        rows.add(gpt ? new String[] {"Nr", "Start", "End", "Sectors", "Size", "Type", "Name", "Attributes", "Filesystem"}
                : new String[] {"Nr", "Start", "End", "Sectors", "Size", "Type", "Boot", "Kind", "Filesystem"});
        for (int i = 0; i < t.partitions().size(); i++) {
            Partition p = t.partitions().get(i);
            String[] row;
            if (p instanceof GptPartition g) {
                List<String> an = GptAttributes.names(g.attributes());
                row = new String[] {String.valueOf(g.number()), String.valueOf(g.firstLba()), String.valueOf(g.lastLba()),
                        String.valueOf(g.sectors()), Sizes.human(g.size()), g.type().name(),
                        g.name().isEmpty() ? "-" : g.name(), an.isEmpty() ? "-" : String.join(",", an),
                        fsText(fs.get(i))};
            } else {
                MbrPartition m = (MbrPartition) p;
                row = new String[] {String.valueOf(m.number()), String.valueOf(m.firstLba()), String.valueOf(m.lastLba()),
                        String.valueOf(m.sectors()), Sizes.human(m.size()), m.typeDescription(), m.bootable() ? "*" : "",
                        m.kind().name().toLowerCase(), fsText(fs.get(i))};
            }
            rows.add(row);
        }
        printTable(out, rows);
        if (gpt) {
            out.println();
            List<String[]> guids = new ArrayList<>();
            guids.add(new String[] {"Nr", "Type GUID", "Partition GUID"});
            for (Partition p : t.partitions()) {
                GptPartition g = (GptPartition) p;
                guids.add(new String[] {String.valueOf(g.number()), Guids.toText(g.type().guid()),
                        Guids.toText(g.partitionGuid())});
            }
            printTable(out, guids, 1);
        }
    }

    static void printTable(PrintWriter out, List<String[]> rows) {
        printTable(out, rows, 4);
    }

    /** Prints aligned columns; the first {@code numeric} columns are right-aligned. */
    static void printTable(PrintWriter out, List<String[]> rows, int numeric) {
        int cols = rows.get(0).length;
        int[] w = new int[cols];
        for (String[] r : rows) {
            for (int c = 0; c < cols; c++) {
                w[c] = Math.max(w[c], r[c].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int c = 0; c < cols; c++) {
                boolean number = c < numeric;
                String cell = number ? " ".repeat(w[c] - r[c].length()) + r[c] : r[c];
                sb.append(cell);
                if (c < cols - 1) {
                    sb.append(number ? "  " : " ".repeat(w[c] - r[c].length() + 2));
                }
            }
            out.println(sb.toString().stripTrailing());
        }
    }
}
