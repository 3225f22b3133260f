package io.imgtool.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code imgtool part}: the partition-table commands. */
@Command(name = "part",
        mixinStandardHelpOptions = true,
        description = {"Read, verify, edit and repair partition tables (GPT read/write, MBR read).",
                "Positions are sectors; a value with a unit (K, M, G, T, KiB ...) is bytes."},
        subcommands = {
                PartListCommand.class,
                PartVerifyCommand.class,
                PartCreateCommand.class,
                PartAddCommand.class,
                PartDeleteCommand.class,
                PartResizeCommand.class,
                PartNameCommand.class,
                PartTypeCommand.class,
                PartAttrCommand.class,
                PartGuidCommand.class,
                PartRepairCommand.class,
                PartMoveBackupCommand.class,
                PartTypesCommand.class,
        })
public final class PartCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
