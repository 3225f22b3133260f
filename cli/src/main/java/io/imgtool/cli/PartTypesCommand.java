package io.imgtool.cli;

import io.imgtool.gpt.PartitionType;
import io.imgtool.gpt.ondisk.Guids;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code imgtool part types}: the partition types imgtool knows by name. */
@Command(name = "types", mixinStandardHelpOptions = true,
        description = "List the GPT partition types imgtool knows: aliases, sgdisk code, GUID, name.")
public final class PartTypesCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"Alias", "Code", "GUID", "Name"});
        for (PartitionType t : PartitionType.known()) {
            rows.add(new String[] {String.join(", ", t.aliases()), t.sgdiskCode() == null ? "-" : t.sgdiskCode(),
                    Guids.toText(t.guid()), t.name()});
        }
        int[] w = new int[4];
        for (String[] r : rows) {
            for (int i = 0; i < 4; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            out.println(String.format("%-" + w[0] + "s  %-" + w[1] + "s  %-" + w[2] + "s  %s", (Object[]) r));
        }
        return ExitCodes.OK;
    }
}
