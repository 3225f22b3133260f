package io.imgtool.sysprep;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Collects every change the operations report, in order, attributed to the operation that is
 * running. Optionally passes each change on to a listener (progress output).
 */
public final class ChangeRecorder {

    private final List<Change> changes = new ArrayList<>();
    private final Consumer<Change> listener;
    private String operation = "";

    public ChangeRecorder() {
        this(c -> { });
    }

    public ChangeRecorder(Consumer<Change> listener) {
        this.listener = Objects.requireNonNull(listener);
    }

    /** Attributes the following changes to {@code name}. */
    void begin(String name) {
        operation = name;
    }

    /** Records a change of {@code path} by the current operation. */
    public void record(Change.Kind kind, String path, String detail) {
        Change c = new Change(kind, path, operation, detail == null ? "" : detail);
        changes.add(c);
        listener.accept(c);
    }

    /** Everything recorded so far, in order. */
    public List<Change> changes() {
        return Collections.unmodifiableList(new ArrayList<>(changes));
    }
}
