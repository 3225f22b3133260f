package io.imgtool.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code imgtool} command: lists the subcommands, maps errors to exit codes. */
@Command(name = "imgtool",
        mixinStandardHelpOptions = true,
        versionProvider = ImgTool.Version.class,
        description = "Offline disk-image toolkit: qcow2, GPT/MBR and ext4 without root, mounts or appliances.",
        subcommands = {
                CommandLine.HelpCommand.class,
                LsCommand.class,
                CatCommand.class,
                GetCommand.class,
                TarOutCommand.class,
                FsInfoCommand.class,
        },
        footerHeading = "%nExit codes:%n",
        footer = {
                "  0  success",
                "  1  the command found problems (check, verify)",
                "  2  wrong arguments or options",
                "  3  corrupt, truncated or unreadable input",
                "  4  unsupported feature in the input",
                "  5  image in use (locked by another process)",
                "  6  I/O error (disk full, permission denied)",
                " 70  internal error (a bug; IMGTOOL_DEBUG=1 shows the stack trace)"})
public final class ImgTool implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs imgtool with {@code args} and returns the exit code; for tests and embedding. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The configured picocli command line (error handler, exit codes). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new ImgTool());
        cl.setExecutionExceptionHandler(new ErrorHandler());
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println(c.getColorScheme().errorText("imgtool " + c.getCommandName() + ": " + ex.getMessage()));
            c.getErr().println("Try 'imgtool " + c.getCommandName() + " --help'.");
            return ExitCodes.USAGE;
        });
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Reports the version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = ImgTool.class.getPackage().getImplementationVersion();
            return new String[] {"imgtool " + (v == null ? "development build" : v)
                    + " (Java " + Runtime.version() + ")"};
        }
    }
}
