package io.imgtool.ext4.internal;

import io.imgtool.ext4.Ext4Problem;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A bounded, thread-safe, de-duplicated collection of {@link Ext4Problem}s. */
public final class Problems {

    private static final int MAX = 10_000;
    private final Set<Ext4Problem> problems = new LinkedHashSet<>();
    private long dropped;

    public synchronized void add(Ext4Problem p) {
        if (problems.size() < MAX) {
            problems.add(p);
        } else if (!problems.contains(p)) {
            dropped++;
        }
    }

    public void add(Ext4Problem.Kind kind, String structure, long offset, String message) {
        add(new Ext4Problem(kind, structure, offset, message));
    }

    public synchronized List<Ext4Problem> list() {
        return new ArrayList<>(problems);
    }

    /** Problems not kept because the list was full. */
    public synchronized long dropped() {
        return dropped;
    }
}
