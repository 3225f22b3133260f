package io.imgtool.cli;

import io.imgtool.ext4.Ext4Volume;
import io.imgtool.ext4.export.HostImport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code imgtool rm [-r] IMAGE PATH...}: remove files, links and directories. */
@Command(name = "rm", mixinStandardHelpOptions = true,
        description = {"Remove files, symbolic links (never their targets) and, with -r, directories with their content",
            "from the ext2/3/4 filesystem in IMAGE. An empty directory is removed without -r."})
public final class RmCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk or filesystem image (changed in place).")
    Path image;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "PATH", description = "Guest paths.")
    List<String> paths;

    @Option(names = {"-r", "-R", "--recursive"}, description = "Remove directories and everything below them.")
    boolean recursive;

    @Option(names = {"-f", "--force"}, description = "Ignore paths that do not exist.")
    boolean force;

    @Mixin
    FsImageArgs fsArgs;

    @Mixin
    JsonOption json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        long removed = 0;
        try (Ext4Volume vol = fsArgs.openWritable(image)) {
            FileSystem fs = vol.fileSystem();
            for (String p : paths) {
                Path g = fs.getPath(p);
                if (force && !Files.exists(g, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                removed += HostImport.delete(g, recursive);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json.enabled()) {
            out.println(io.imgtool.core.Json.write(java.util.Map.of("removed", removed)));
        } else {
            out.println("removed " + removed + " entr" + (removed == 1 ? "y" : "ies"));
        }
        return ExitCodes.OK;
    }
}
