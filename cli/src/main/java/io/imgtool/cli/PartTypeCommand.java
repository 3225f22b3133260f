package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.gpt.GptTable;
import io.imgtool.gpt.PartitionType;
import io.imgtool.gpt.ondisk.Guids;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code imgtool part type IMAGE N TYPE}. */
@Command(name = "type", mixinStandardHelpOptions = true,
        description = "Set a partition's type: an alias (linux, esp, bios-boot, swap, linux-home, root-x86-64, "
                + "root-aarch64 ...; 'imgtool part types' lists them), an sgdisk code (8300) or a GUID.")
public final class PartTypeCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk image.")
    Path image;

    @Parameters(index = "1", paramLabel = "N", description = "Partition number.")
    int number;

    @Parameters(index = "2", paramLabel = "TYPE", description = "The new type.")
    String type;

    @Mixin
    SectorSizeOption sectorSize;

    @Mixin
    DryRunOption dryRun;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PartitionType newType = PartitionType.parse(type);
        try (BlockDevice disk = Disks.open(image, !dryRun.enabled())) {
            GptTable t = PartSupport.gpt(disk, sectorSize.resolve(disk));
            PartitionType before = t.partition(number).type();
            GptTable after = t.withType(number, newType);
            out.println("partition " + number + ":");
            PartSupport.printChange(out, "type", before.name() + " (" + Guids.toText(before.guid()) + ")",
                    newType.name() + " (" + Guids.toText(newType.guid()) + ")");
            if (!before.guid().equals(newType.guid())) {
                PartSupport.commit(after, disk, dryRun.enabled(), out);
            }
        }
        return ExitCodes.OK;
    }
}
