package io.imgtool.qemu;

import io.imgtool.core.ImageFormatException;
import io.imgtool.core.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What cloud-init wrote to {@code /var/lib/cloud/data/result.json} at the end of its final stage:
 * the datasource it used and the errors of all stages. cloud-init 23.4 and later add
 * {@code recoverable_errors}, warnings and deprecations by level, which do not fail a run.
 *
 * <pre>
 * {"v1": {"datasource": "DataSourceNoCloud [seed=/dev/vdb][dsmode=net]",
 *         "errors": ["('scripts_user', RuntimeError('Runparts: 1 failures ...'))"],
 *         "recoverable_errors": {"WARNING": ["..."]}}}
 * </pre>
 *
 * @param datasource the datasource description, or null if cloud-init found none
 * @param errors the errors; a run succeeded when there are none
 * @param recoverableErrors warnings and deprecations by level (empty before cloud-init 23.4)
 */
public record CloudInitResult(String datasource, List<String> errors, Map<String, List<String>> recoverableErrors) {

    /** Where cloud-init writes it in the guest. */
    public static final String GUEST_PATH = "/var/lib/cloud/data/result.json";
    /** Largest result.json accepted. */
    public static final int MAX_SIZE = 4 << 20;

    private static final String STRUCTURE = "cloud-init result.json";

    public CloudInitResult {
        errors = List.copyOf(errors);
        Map<String, List<String>> copy = new LinkedHashMap<>();
        recoverableErrors.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        recoverableErrors = java.util.Collections.unmodifiableMap(copy);
    }

    /** Whether cloud-init reported no error (recoverable ones do not count). */
    public boolean ok() {
        return errors.isEmpty();
    }

    /** Whether the NoCloud datasource was used, i.e. cloud-init read imgtool's seed. */
    public boolean usedNoCloud() {
        return datasource != null && datasource.startsWith("DataSourceNoCloud");
    }

    /** Parses the file's bytes. */
    public static CloudInitResult parse(byte[] json) throws ImageFormatException {
        if (json.length > MAX_SIZE) {
            throw new ImageFormatException(STRUCTURE, "size", 0, json.length, "larger than " + MAX_SIZE + " bytes");
        }
        Object root;
        try {
            root = Json.parse(new String(json, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new ImageFormatException(STRUCTURE, null, -1, null, "not JSON: " + e.getMessage(), e);
        }
        Map<?, ?> v1 = object(object(root, "top level").get("v1"), "v1");
        Object ds = v1.get("datasource");
        if (ds != null && !(ds instanceof String)) {
            throw new ImageFormatException(STRUCTURE, "v1.datasource", -1, ds, "not a string");
        }
        List<String> errors = strings(v1.get("errors"), "v1.errors");
        Map<String, List<String>> recoverable = new LinkedHashMap<>();
        Object rec = v1.get("recoverable_errors");
        if (rec != null) {
            for (Map.Entry<?, ?> e : object(rec, "v1.recoverable_errors").entrySet()) {
                recoverable.put(String.valueOf(e.getKey()),
                        strings(e.getValue(), "v1.recoverable_errors." + e.getKey()));
            }
        }
        return new CloudInitResult((String) ds, errors, recoverable);
    }

    private static Map<?, ?> object(Object o, String field) throws ImageFormatException {
        if (o instanceof Map<?, ?> m) {
            return m;
        }
        throw new ImageFormatException(STRUCTURE, field, -1, o == null ? "missing" : Json.writeCompact(o),
                "must be a JSON object");
    }

    /** A list of messages; cloud-init writes strings, anything else is kept as its JSON text. */
    private static List<String> strings(Object o, String field) throws ImageFormatException {
        if (o == null) {
            return List.of();
        }
        if (!(o instanceof List<?> l)) {
            throw new ImageFormatException(STRUCTURE, field, -1, Json.writeCompact(o), "must be a JSON array");
        }
        List<String> out = new ArrayList<>(l.size());
        for (Object x : l) {
            out.add(x instanceof String s ? s : Json.writeCompact(x));
        }
        return out;
    }

    /** One line for people: "cloud-init: 2 errors (DataSourceNoCloud ...): first error". */
    public String summary() {
        String ds = datasource == null ? "no datasource" : datasource;
        if (ok()) {
            int warnings = recoverableErrors.values().stream().mapToInt(List::size).sum();
            return "cloud-init finished without errors (" + ds + ")"
                    + (warnings == 0 ? "" : ", " + warnings + " warning" + (warnings == 1 ? "" : "s"));
        }
        return "cloud-init reported " + errors.size() + " error" + (errors.size() == 1 ? "" : "s") + " (" + ds
                + "): " + errors.get(0);
    }
}
