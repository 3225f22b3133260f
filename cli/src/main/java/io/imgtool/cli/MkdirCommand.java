package io.imgtool.cli;

import io.imgtool.ext4.Ext4Volume;
import java.io.IOException;
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

/** {@code imgtool mkdir [-p] IMAGE PATH...}: create directories. */
@Command(name = "mkdir", mixinStandardHelpOptions = true,
        description = "Create directories in the ext2/3/4 filesystem in IMAGE (mode 0755, owner 0:0 unless given).")
public final class MkdirCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk or filesystem image (changed in place).")
    Path image;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "PATH", description = "Guest paths.")
    List<String> paths;

    @Option(names = {"-p", "--parents"}, description = "Create missing parents; an existing directory is no error.")
    boolean parents;

    @Option(names = {"-m", "--mode"}, paramLabel = "MODE", description = "Octal mode (default 0755).")
    String mode;

    @Option(names = "--owner", paramLabel = "UID:GID", description = "Numeric owner (default 0:0).")
    String owner;

    @Mixin
    FsImageArgs fsArgs;

    @Override
    public Integer call() throws IOException {
        int m = mode == null ? 0755 : Owners.mode(mode);
        long[] o = Owners.parse(owner == null ? "0:0" : owner);
        try (Ext4Volume vol = fsArgs.openWritable(image)) {
            FileSystem fs = vol.fileSystem();
            for (String p : paths) {
                Path g = fs.getPath(p).toAbsolutePath();
                if (parents) {
                    Path cur = g.getRoot();
                    for (Path name : g) {
                        cur = cur.resolve(name.toString());
                        if (!Files.isDirectory(cur)) {
                            create(cur, m, o);
                        }
                    }
                } else {
                    create(g, m, o);
                }
            }
        }
        return ExitCodes.OK;
    }

    private static void create(Path p, int mode, long[] o) throws IOException {
        Files.createDirectory(p);
        LinkOption nf = LinkOption.NOFOLLOW_LINKS;
        Files.setAttribute(p, "unix:mode", mode, nf);
        Files.setAttribute(p, "unix:uid", (int) Math.max(0, o[0]), nf);
        Files.setAttribute(p, "unix:gid", (int) Math.max(0, o[1]), nf);
    }
}
