package io.imgtool.sysprep;

import io.imgtool.sysprep.ops.Operations;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The set of known operations, validated once: names unique (aliases included) and well formed,
 * headings one line without a final period, descriptions present, paths declared for every family.
 * Generates the {@code --list-operations} text and the reference documentation.
 */
public final class Registry {

    private final List<Operation> ops;
    private final Map<String, Operation> byName = new LinkedHashMap<>();

    /**
     * @throws IllegalStateException naming the operation and the rule it breaks
     */
    public Registry(Collection<? extends Operation> operations) {
        List<Operation> sorted = new ArrayList<>(operations);
        sorted.sort(Comparator.comparing(Operation::name));
        for (Operation op : sorted) {
            check(op);
            for (String n : names(op)) {
                if (byName.putIfAbsent(n, op) != null) {
                    throw new IllegalStateException("duplicate operation name '" + n + "' ("
                            + op.getClass().getName() + " and " + byName.get(n).getClass().getName() + ")");
                }
            }
        }
        this.ops = List.copyOf(sorted);
    }

    /** Every operation imgtool ships. */
    public static Registry standard() {
        return new Registry(Operations.all());
    }

    private static List<String> names(Operation op) {
        List<String> n = new ArrayList<>();
        n.add(op.name());
        n.addAll(op.aliases());
        return n;
    }

    private static void check(Operation op) {
        String where = "operation " + op.getClass().getName();
        for (String n : names(op)) {
            if (n == null || !n.matches("[a-z0-9][a-z0-9-]*")) {
                throw new IllegalStateException(where + ": name '" + n + "' must be lower case letters, digits and '-'");
            }
            if (n.equals("all") || n.equals("defaults") || n.equals("none")) {
                throw new IllegalStateException(where + ": name '" + n + "' is reserved");
            }
        }
        String h = op.heading();
        if (h == null || h.isBlank()) {
            throw new IllegalStateException(where + ": no heading");
        }
        if (h.endsWith(".") || h.contains("\n")) {
            throw new IllegalStateException(where + ": heading must be one line without a final period");
        }
        String d = op.description();
        if (d == null || d.isBlank()) {
            throw new IllegalStateException(where + ": no description");
        }
        if (d.endsWith("\n")) {
            throw new IllegalStateException(where + ": description must not end with a newline");
        }
        boolean any = false;
        for (OsFamily f : OsFamily.values()) {
            List<String> p = op.paths(f);
            if (p == null) {
                throw new IllegalStateException(where + ": paths(" + f + ") is null");
            }
            any |= !p.isEmpty();
        }
        if (!any) {
            throw new IllegalStateException(where + ": declares no guest path for any family");
        }
    }

    /** All operations, sorted by name. */
    public List<Operation> all() {
        return ops;
    }

    /** The operation with this name or alias. */
    public Optional<Operation> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The operations enabled by default. */
    public Set<Operation> defaults() {
        Set<Operation> s = new LinkedHashSet<>();
        for (Operation op : ops) {
            if (op.enabledByDefault()) {
                s.add(op);
            }
        }
        return s;
    }

    /** {@code ops} in the order they run: by {@link Operation#order()}, then name. */
    public static List<Operation> runOrder(Collection<Operation> ops) {
        List<Operation> l = new ArrayList<>(ops);
        l.sort(Comparator.comparingInt(Operation::order).thenComparing(Operation::name));
        return l;
    }

    /**
     * One line per operation, virt-sysprep style: name, '*' when enabled by default, heading.
     */
    public String listOperations() {
        StringBuilder sb = new StringBuilder();
        for (Operation op : ops) {
            sb.append(op.name()).append(op.enabledByDefault() ? " * " : "   ").append(op.heading()).append('\n');
        }
        return sb.toString();
    }

    /** The reference section of docs/sysprep.md: every operation, its description and paths per family. */
    public String markdown() {
        StringBuilder sb = new StringBuilder();
        for (Operation op : ops) {
            sb.append("### ").append(op.name()).append(op.enabledByDefault() ? " (default)" : " (off by default)")
                    .append("\n\n").append(op.heading()).append(".\n\n").append(op.description()).append("\n\n");
            if (!op.aliases().isEmpty()) {
                sb.append("Also accepted as: ").append(String.join(", ", op.aliases())).append(".\n\n");
            }
            Map<List<String>, List<String>> groups = new LinkedHashMap<>();
            for (OsFamily f : OsFamily.values()) {
                List<String> p = op.paths(f);
                if (!p.isEmpty()) {
                    groups.computeIfAbsent(p, k -> new ArrayList<>()).add(f.label());
                }
            }
            sb.append("| families | guest paths |\n| --- | --- |\n");
            for (Map.Entry<List<String>, List<String>> e : groups.entrySet()) {
                sb.append("| ").append(e.getValue().size() == OsFamily.values().length ? "all"
                        : String.join(", ", e.getValue())).append(" | ");
                List<String> quoted = new ArrayList<>();
                for (String p : e.getKey()) {
                    quoted.add("`" + p + "`");
                }
                sb.append(String.join("<br>", quoted)).append(" |\n");
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
