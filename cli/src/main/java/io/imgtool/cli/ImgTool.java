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
                PartCommand.class,
                LabelCommand.class,
                ChecksumCommand.class,
                KeygenCommand.class,
                SignCommand.class,
                VerifyCommand.class,
                XzCommand.class,
                IndexEntryCommand.class,
                SealCommand.class,
                InspectCommand.class,
                BootCommand.class,
                InfoCommand.class,
                CheckCommand.class,
                CreateCommand.class,
                ConvertCommand.class,
                ResizeCommand.class,
                MapCommand.class,
                SampleCommand.class,
                LsCommand.class,
                CatCommand.class,
                GetCommand.class,
                TarOutCommand.class,
                FsInfoCommand.class,
                MkfsCommand.class,
                PutCommand.class,
                RmCommand.class,
                MkdirCommand.class,
                LnCommand.class,
                ChmodCommand.class,
                ChownCommand.class,
                WriteCommand.class,
                FsLabelCommand.class,
                FsUuidCommand.class,
                ZeroFreeCommand.class,
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
                " 10  boot: qemu-system-x86_64 (package qemu-system-x86) or qemu-img missing",
                " 11  boot: the guest failed (panic, emergency shell, failed script, ...)",
                " 12  boot: the guest did not power off in time",
                " 70  internal error (a bug; IMGTOOL_DEBUG=1 shows the stack trace)"})
public final class ImgTool implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs imgtool with {@code args} and returns the exit code; for tests and embedding. */
    public static int run(String... args) {
        return commandLine(args).execute(args);
    }

    /** The configured picocli command line (error handler, exit codes) with every subcommand. */
    public static CommandLine commandLine() {
        return configure(new CommandLine(new ImgTool()));
    }

    /**
     * The command line to run {@code args} with. Picocli builds the model of every command it is
     * given, which is most of imgtool's start-up time; when {@code args} start with the name of a
     * subcommand, only that one is built, under a bare "imgtool" parent. Help, version, options
     * first and unknown names get the full tree. The {@code subcommands} list above stays the one
     * place commands are registered.
     */
    public static CommandLine commandLine(String... args) {
        if (args.length > 0 && !args[0].startsWith("-")) {
            for (Class<?> c : ImgTool.class.getAnnotation(Command.class).subcommands()) {
                Command sub = c.getAnnotation(Command.class);
                if (c == CommandLine.HelpCommand.class || sub == null) {
                    continue;
                }
                if (sub.name().equals(args[0]) || java.util.Arrays.asList(sub.aliases()).contains(args[0])) {
                    CommandLine top = new CommandLine(CommandLine.Model.CommandSpec.create().name("imgtool"));
                    top.addSubcommand(sub.name(), c);
                    return configure(top);
                }
            }
        }
        return commandLine();
    }

    private static CommandLine configure(CommandLine cl) {
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
