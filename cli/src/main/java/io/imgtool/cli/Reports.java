package io.imgtool.cli;

import io.imgtool.ext4.export.ExportResult;
import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;

/** Prints what an export skipped and what it could not read; the exit code says whether all was read. */
final class Reports {

    private Reports() {
    }

    static int print(CommandSpec spec, String command, ExportResult r) {
        PrintWriter err = spec.commandLine().getErr();
        for (String s : r.skipped()) {
            err.println("imgtool " + command + ": skipped " + s);
        }
        for (String e : r.errors()) {
            err.println("imgtool " + command + ": " + e);
        }
        if (r.hasErrors()) {
            err.println("imgtool " + command + ": " + r.errors().size() + " entries could not be read (damaged filesystem);"
                    + " everything else was copied");
        }
        err.flush();
        return r.hasErrors() ? ExitCodes.CORRUPT : ExitCodes.OK;
    }
}
