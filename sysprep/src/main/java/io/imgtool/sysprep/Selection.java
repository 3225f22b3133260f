package io.imgtool.sysprep;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which operations run, from the command line's {@code --operations}, {@code --enable} and
 * {@code --disable}:
 *
 * <ul>
 *   <li>Without {@code --operations} the default set is the start.</li>
 *   <li>{@code --operations a,b,-c} (repeatable, applied in order) starts from the empty set, then
 *       adds {@code a} and {@code b} and removes {@code c}; the words {@code defaults} and
 *       {@code all} (and {@code -defaults}, {@code -all}) add or remove those groups, as
 *       virt-sysprep's {@code --operations} does.</li>
 *   <li>{@code --enable a,b} then adds, and {@code --disable c} removes, whatever the start was.</li>
 * </ul>
 *
 * An unknown name or an empty item is an {@link IllegalArgumentException} naming the option.
 */
public final class Selection {

    private final List<String> operations = new ArrayList<>();
    private final List<String> enable = new ArrayList<>();
    private final List<String> disable = new ArrayList<>();

    public static Selection defaults() {
        return new Selection();
    }

    /** Adds one {@code --operations} argument. */
    public Selection operations(String spec) {
        operations.add(spec);
        return this;
    }

    /** Adds one {@code --enable} argument (comma-separated names). */
    public Selection enable(String names) {
        enable.add(names);
        return this;
    }

    /** Adds one {@code --disable} argument (comma-separated names). */
    public Selection disable(String names) {
        disable.add(names);
        return this;
    }

    /** The selected operations, in run order. */
    public List<Operation> resolve(Registry registry) {
        Set<Operation> set = new LinkedHashSet<>(operations.isEmpty() ? registry.defaults() : Set.of());
        for (String spec : operations) {
            for (String item : items("--operations", spec)) {
                boolean remove = item.startsWith("-");
                String name = remove ? item.substring(1) : item;
                if (name.isEmpty()) {
                    throw new IllegalArgumentException("--operations: empty operation name in '" + spec + "'");
                }
                Set<Operation> group = switch (name) {
                    case "defaults" -> registry.defaults();
                    case "all" -> new LinkedHashSet<>(registry.all());
                    default -> Set.of(lookup(registry, "--operations", name));
                };
                if (remove) {
                    set.removeAll(group);
                } else {
                    set.addAll(group);
                }
            }
        }
        for (String spec : enable) {
            for (String name : items("--enable", spec)) {
                set.add(lookup(registry, "--enable", name));
            }
        }
        for (String spec : disable) {
            for (String name : items("--disable", spec)) {
                set.remove(lookup(registry, "--disable", name));
            }
        }
        return Registry.runOrder(set);
    }

    private static List<String> items(String option, String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException(option + ": empty argument");
        }
        List<String> out = new ArrayList<>();
        for (String s : spec.split(",", -1)) {
            String t = s.strip();
            if (t.isEmpty()) {
                throw new IllegalArgumentException(option + ": empty operation name in '" + spec + "'");
            }
            out.add(t);
        }
        return out;
    }

    private static Operation lookup(Registry registry, String option, String name) {
        return registry.find(name).orElseThrow(() -> new IllegalArgumentException(
                option + ": '" + name + "' is not a known operation (imgtool seal --list-operations lists them)"));
    }
}
