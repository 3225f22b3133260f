package io.imgtool.sysprep.seal;

import io.imgtool.core.Sizes;
import io.imgtool.sysprep.Change;
import io.imgtool.sysprep.SysprepReport;
import io.imgtool.sysprep.inspect.GuestInspection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link Sealer#seal()} did (or, for a dry run, would do).
 *
 * @param input the input image
 * @param output the output image, or "" for in-place runs and dry runs
 * @param mode "output", "in-place" or "dry-run"
 * @param outputFormat "qcow2", "raw", "raw.xz", or "" when nothing was written
 * @param inspection the guest as found before sealing
 * @param sysprep the operations run and every change they made
 * @param extraChanges changes made outside the operations: root label, new UUIDs and the files
 *     that name them
 * @param space what was left out of the output (free space, unpartitioned space, swap)
 * @param droppedData bytes of the sealed disk's data extents that the output leaves out
 * @param sizes input virtual size, input allocated bytes, input file size, output file size (by name)
 * @param artifacts every file written, with size and digests
 * @param signatures the signature files written
 * @param indexEntry the virt-builder index entry written, or ""
 * @param timings time per stage, in order
 * @param warnings what could not be done
 * @param notes what the user must know (a generated root password)
 */
public record SealReport(String input, String output, String mode, String outputFormat, GuestInspection inspection,
                         SysprepReport sysprep, List<Change> extraChanges, DiskSpace.Result space, long droppedData,
                         Map<String, Long> sizes, List<Artifact> artifacts, List<String> signatures,
                         String indexEntry, Map<String, Duration> timings, List<String> warnings,
                         List<String> notes) {

    public SealReport {
        extraChanges = List.copyOf(extraChanges);
        sizes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sizes));
        artifacts = List.copyOf(artifacts);
        signatures = List.copyOf(signatures);
        timings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(timings));
        warnings = List.copyOf(warnings);
        notes = List.copyOf(notes);
    }

    /**
     * A file the run wrote.
     *
     * @param path its path
     * @param size its size in bytes
     * @param digests hex digests by algorithm name ("SHA256")
     */
    public record Artifact(String path, long size, Map<String, String> digests) {
        public Artifact {
            digests = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(digests));
        }
    }

    /** Every change: the operations' and the extra ones, in order. */
    public List<Change> changes() {
        List<Change> all = new ArrayList<>(sysprep.changes());
        all.addAll(extraChanges);
        return all;
    }

    /** The changes of one kind. */
    public List<Change> changes(Change.Kind kind) {
        return changes().stream().filter(c -> c.kind() == kind).toList();
    }

    /** Whether nothing was written. */
    public boolean dryRun() {
        return mode.equals("dry-run");
    }

    /** A JSON-ready map (for core Json). */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("input", input);
        m.put("output", output);
        m.put("mode", mode);
        m.put("output_format", outputFormat);
        Map<String, Object> os = new LinkedHashMap<>();
        os.put("family", sysprep.os().family().label());
        os.put("id", sysprep.os().id());
        os.put("version_id", sysprep.os().versionId());
        os.put("pretty_name", sysprep.os().prettyName());
        m.put("os", os);
        m.put("operations", sysprep.operations());
        List<Object> cs = new ArrayList<>();
        for (Change c : changes()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("kind", c.kind().label());
            e.put("path", c.path());
            e.put("operation", c.operation());
            e.put("detail", c.detail());
            cs.add(e);
        }
        m.put("changes", cs);
        Map<String, Object> sp = new LinkedHashMap<>();
        sp.put("filesystem_free", space.filesystemFree());
        sp.put("swap", space.swap());
        sp.put("unpartitioned", space.unpartitioned());
        sp.put("dropped_data", droppedData);
        sp.put("notes", space.notes());
        m.put("space", sp);
        m.put("sizes", sizes);
        List<Object> as = new ArrayList<>();
        for (Artifact a : artifacts) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("path", a.path());
            e.put("size", a.size());
            e.put("digests", a.digests());
            as.add(e);
        }
        m.put("artifacts", as);
        m.put("signatures", signatures);
        m.put("index_entry", indexEntry);
        Map<String, Object> t = new LinkedHashMap<>();
        timings.forEach((k, v) -> t.put(k, v.toMillis() / 1000.0));
        m.put("timings_seconds", t);
        m.put("warnings", warnings);
        m.put("notes", notes);
        m.put("inspection", inspection.toJson());
        return m;
    }

    /** A human summary; with {@code verbose} every change. */
    public String toText(boolean verbose) {
        StringBuilder sb = new StringBuilder();
        sb.append(switch (mode) {
            case "dry-run" -> "dry run (nothing written): ";
            case "in-place" -> "sealed in place: ";
            default -> "sealed: ";
        }).append(input).append(output.isEmpty() ? "" : " -> " + output).append('\n');
        sb.append("guest: ").append(sysprep.os().prettyName()).append(" (").append(sysprep.os().family().label())
                .append("), root on ").append(inspection.root().describe()).append('\n');
        List<Change> all = changes();
        Map<String, Integer> byKind = new LinkedHashMap<>();
        for (Change c : all) {
            byKind.merge(c.kind().label(), 1, Integer::sum);
        }
        sb.append("operations: ").append(sysprep.operations().size()).append(", changes: ").append(all.size());
        if (!byKind.isEmpty()) {
            sb.append(" (");
            int i = 0;
            for (Map.Entry<String, Integer> e : byKind.entrySet()) {
                sb.append(i++ == 0 ? "" : ", ").append(e.getValue()).append(' ').append(e.getKey());
            }
            sb.append(')');
        }
        sb.append('\n');
        if (verbose || dryRun()) {
            for (Change c : all) {
                sb.append("  ").append(c).append('\n');
            }
        }
        sb.append("space left out: ").append(Sizes.human(space.filesystemFree())).append(" free in filesystems, ")
                .append(Sizes.human(space.unpartitioned())).append(" outside partitions")
                .append(space.swap() > 0 ? ", " + Sizes.human(space.swap()) + " of swap" : "")
                .append(dryRun() ? "" : "; " + Sizes.human(droppedData) + " of it held data").append('\n');
        for (Map.Entry<String, Long> e : sizes.entrySet()) {
            sb.append(e.getKey().replace('_', ' ')).append(": ").append(Sizes.human(e.getValue()))
                    .append(" (").append(e.getValue()).append(" bytes)").append('\n');
        }
        for (Artifact a : artifacts) {
            sb.append("artifact: ").append(a.path()).append(" (").append(Sizes.human(a.size())).append(')');
            for (Map.Entry<String, String> d : a.digests().entrySet()) {
                sb.append("\n  ").append(d.getKey().toLowerCase(java.util.Locale.ROOT)).append(' ').append(d.getValue());
            }
            sb.append('\n');
        }
        for (String s : signatures) {
            sb.append("signature: ").append(s).append('\n');
        }
        if (!indexEntry.isEmpty()) {
            sb.append("index entry:\n").append(indexEntry.indent(2));
        }
        sb.append("time:");
        for (Map.Entry<String, Duration> e : timings.entrySet()) {
            sb.append(' ').append(e.getKey()).append(' ').append(String.format("%.2fs", e.getValue().toMillis() / 1000.0));
        }
        sb.append('\n');
        for (String w : warnings) {
            sb.append("warning: ").append(w).append('\n');
        }
        for (String n : notes) {
            sb.append(n).append('\n');
        }
        return sb.toString();
    }
}
