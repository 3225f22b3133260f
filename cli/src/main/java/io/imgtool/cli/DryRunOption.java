package io.imgtool.cli;

import picocli.CommandLine.Option;

/** The shared {@code --dry-run} switch of commands that write. */
public final class DryRunOption {

    @Option(names = {"-n", "--dry-run"}, description = "Show what would change; write nothing.")
    boolean dryRun;

    public boolean enabled() {
        return dryRun;
    }
}
