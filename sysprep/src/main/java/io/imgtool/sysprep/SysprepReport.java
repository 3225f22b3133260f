package io.imgtool.sysprep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a sealing run did (or, for a dry run, would do).
 *
 * @param os the detected guest OS
 * @param operations the operations run, in order
 * @param changes every change, in order
 * @param warnings what could not be done offline
 * @param notes what the user must know (a generated root password)
 * @param dryRun whether nothing was written
 */
public record SysprepReport(OsInfo os, List<String> operations, List<Change> changes, List<String> warnings,
                            List<String> notes, boolean dryRun) {

    public SysprepReport {
        operations = List.copyOf(operations);
        changes = List.copyOf(changes);
        warnings = List.copyOf(warnings);
        notes = List.copyOf(notes);
    }

    /** The changes of one kind. */
    public List<Change> changes(Change.Kind kind) {
        List<Change> out = new ArrayList<>();
        for (Change c : changes) {
            if (c.kind() == kind) {
                out.add(c);
            }
        }
        return out;
    }

    /** A JSON-ready map (for core Json). */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> osm = new LinkedHashMap<>();
        osm.put("family", os.family().label());
        osm.put("id", os.id());
        osm.put("version_id", os.versionId());
        osm.put("pretty_name", os.prettyName());
        m.put("os", osm);
        m.put("dry_run", dryRun);
        m.put("operations", operations);
        List<Object> cs = new ArrayList<>();
        for (Change c : changes) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("kind", c.kind().label());
            e.put("path", c.path());
            e.put("operation", c.operation());
            e.put("detail", c.detail());
            cs.add(e);
        }
        m.put("changes", cs);
        m.put("warnings", warnings);
        m.put("notes", notes);
        return m;
    }
}
