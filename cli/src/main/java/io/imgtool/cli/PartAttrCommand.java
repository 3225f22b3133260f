package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.gpt.GptAttributes;
import io.imgtool.gpt.GptTable;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgtool part attr IMAGE N [--set LIST] [--clear LIST] [--value HEX]}. */
@Command(name = "attr", mixinStandardHelpOptions = true,
        description = {"Show or change a partition's attribute bits. Names: required (0), no-block-io (1), "
                + "legacy-bios-bootable (2), growfs (59), read-only (60), hidden (62), no-automount (63); "
                + "any bit also by number.", "Without options, prints the attributes."})
public final class PartAttrCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk image.")
    Path image;

    @Parameters(index = "1", paramLabel = "N", description = "Partition number.")
    int number;

    @Option(names = "--set", paramLabel = "LIST", description = "Bits to set, comma-separated.")
    String set;

    @Option(names = "--clear", paramLabel = "LIST", description = "Bits to clear, comma-separated.")
    String clear;

    @Option(names = "--value", paramLabel = "HEX", description = "Replace all 64 bits (0x1000000000000004).")
    String value;

    @Mixin
    SectorSizeOption sectorSize;

    @Mixin
    DryRunOption dryRun;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private static String show(long a) {
        java.util.List<String> names = GptAttributes.names(a);
        return GptAttributes.hex(a) + (names.isEmpty() ? "" : " (" + String.join(", ", names) + ")");
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        boolean change = set != null || clear != null || value != null;
        try (BlockDevice disk = Disks.open(image, change && !dryRun.enabled())) {
            GptTable t = PartSupport.gpt(disk, sectorSize.resolve(disk));
            long before = t.partition(number).attributes();
            if (!change) {
                out.println("partition " + number + ": attributes " + show(before));
                return ExitCodes.OK;
            }
            long a = before;
            if (value != null) {
                String v = value.trim().toLowerCase();
                try {
                    a = Long.parseUnsignedLong(v.startsWith("0x") ? v.substring(2) : v, 16);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--value must be hexadecimal, not '" + value + "'");
                }
            }
            if (set != null) {
                a |= GptAttributes.mask(set);
            }
            if (clear != null) {
                a &= ~GptAttributes.mask(clear);
            }
            GptTable after = t.withAttributes(number, a);
            out.println("partition " + number + ":");
            PartSupport.printChange(out, "attributes", show(before), show(a));
            if (a != before) {
                PartSupport.commit(after, disk, dryRun.enabled(), out);
            }
        }
        return ExitCodes.OK;
    }
}
