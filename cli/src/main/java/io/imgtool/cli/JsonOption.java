package io.imgtool.cli;

import picocli.CommandLine.Option;

/** The shared {@code --json} switch for commands whose output is data. */
public final class JsonOption {

    @Option(names = "--json", description = "Print machine-readable JSON instead of text.")
    boolean json;

    public boolean enabled() {
        return json;
    }
}
