package io.imgtool.cli;

import java.util.Map;
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
     * subcommand, only that one is built, under a bare "imgtool" parent; {@code --version} alone
     * builds no command. Help, other options first and unknown names get the full tree. The
     * {@code subcommands} list above stays the one place commands are registered.
     */
    public static CommandLine commandLine(String... args) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            // The version needs no command at all (the full tree took --version from 94 ms to 256 ms).
            return configure(new CommandLine(CommandLine.Model.CommandSpec.create().name("imgtool")
                    .mixinStandardHelpOptions(true).versionProvider(new Version())));
        }
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
        reflow(cl);
        cl.setExecutionExceptionHandler(new ErrorHandler());
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            String name = c.getCommandSpec().qualifiedName(); // "imgtool part name", not "imgtool name"
            c.getErr().println(c.getColorScheme().errorText(name + ": " + ex.getMessage()));
            c.getErr().println("Try '" + name + " --help'.");
            return ExitCodes.USAGE;
        });
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    /**
     * Picocli prints each element of a description on a line of its own, wrapping it at 80 columns;
     * a sentence split over two elements then shows a short orphan line. So the elements of every
     * command's description are joined where one does not end a sentence (with '.', ':' or '!') and
     * neither starts with a space (an indented list or example). Lists of subcommands show the first
     * sentence only ({@link #commandList}).
     */
    private static void reflow(CommandLine cl) {
        CommandLine.Model.CommandSpec spec = cl.getCommandSpec();
        spec.usageMessage().description(reflow(spec.usageMessage().description()));
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, ImgTool::commandList);
        for (CommandLine sub : cl.getSubcommands().values()) {
            reflow(sub);
        }
    }

    /**
     * The list of commands in the top-level help: each with its header or else the first sentence of
     * its description (picocli's own list shows the first description element, which after
     * {@link #reflow} is a whole paragraph).
     */
    private static String commandList(CommandLine.Help help) {
        Map<String, CommandLine.Help> subs = help.subcommands();
        if (subs.isEmpty()) {
            return "";
        }
        int nameWidth = 0;
        for (String name : subs.keySet()) {
            nameWidth = Math.max(nameWidth, name.length());
        }
        nameWidth += 4;
        int width = help.commandSpec().usageMessage().width();
        CommandLine.Help.TextTable table = CommandLine.Help.TextTable.forColumns(help.colorScheme(),
                new CommandLine.Help.Column(nameWidth, 2, CommandLine.Help.Column.Overflow.SPAN),
                new CommandLine.Help.Column(width - nameWidth, 1, CommandLine.Help.Column.Overflow.WRAP));
        for (Map.Entry<String, CommandLine.Help> e : subs.entrySet()) {
            CommandLine.Model.UsageMessageSpec usage = e.getValue().commandSpec().usageMessage();
            String[] d = usage.header().length > 0 ? usage.header() : usage.description();
            table.addRowValues(e.getKey(), firstSentence(d.length == 0 ? "" : d[0]));
        }
        return table.toString();
    }

    /** Up to the first full stop that a capitalised word follows ("e.g." and "i.e." do not count). */
    static String firstSentence(String text) {
        java.util.regex.Matcher m = FULL_STOP.matcher(text);
        String first = m.find() ? text.substring(0, m.start() + 1) : text.strip();
        return first.endsWith(":") ? first.substring(0, first.length() - 1) + "." : first;
    }

    private static final java.util.regex.Pattern FULL_STOP = java.util.regex.Pattern.compile("(?<!e\\.g|i\\.e)\\.\\s+(?=[A-Z])");

    static String[] reflow(String[] lines) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String line : lines) {
            int last = out.size() - 1;
            if (last >= 0 && !line.isEmpty() && !line.startsWith(" ") && !out.get(last).isEmpty()
                    && !out.get(last).startsWith(" ") && !out.get(last).matches("(?s).*[.:!]\\s*$")) {
                out.set(last, out.get(last).stripTrailing() + " " + line.stripLeading());
            } else {
                out.add(line);
            }
        }
        return out.toArray(String[]::new);
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
