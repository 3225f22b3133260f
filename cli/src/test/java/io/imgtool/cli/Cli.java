package io.imgtool.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs imgtool in-process and captures what it prints. */
final class Cli {

    record Run(int exit, String out, String err) {
    }

    private Cli() {
    }

    /** Runs through the full command tree instead of the one-subcommand fast path. */
    static Run runFull(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cl = ImgTool.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cl = ImgTool.commandLine(args);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }
}
