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

/** {@code imgtool chown IMAGE UID[:GID] PATH...}. */
@Command(name = "chown", mixinStandardHelpOptions = true,
        description = {"Set the numeric owner and/or group of guest paths in the ext2/3/4 filesystem in IMAGE, as",
            "chown(1) does (a file loses setuid, and setgid when group-executable, and its capabilities).",
            "Symbolic links are followed inside the guest unless -h."})
public final class ChownCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk or filesystem image (changed in place).")
    Path image;

    @Parameters(index = "1", paramLabel = "UID[:GID]", description = "Numeric ids; ':GID' changes the group only.")
    String owner;

    @Parameters(index = "2..*", arity = "1..*", paramLabel = "PATH", description = "Guest paths.")
    List<String> paths;

    @Option(names = {"-h", "--no-dereference"}, description = "Change symbolic links themselves.")
    boolean noDeref;

    @Mixin
    FsImageArgs fsArgs;

    @Override
    public Integer call() throws IOException {
        long[] o = Owners.parse(owner);
        LinkOption[] lo = noDeref ? new LinkOption[] {LinkOption.NOFOLLOW_LINKS} : new LinkOption[0];
        try (Ext4Volume vol = fsArgs.openWritable(image)) {
            FileSystem fs = vol.fileSystem();
            for (String p : paths) {
                Path g = fs.getPath(p);
                if (o[0] >= 0) {
                    Files.setAttribute(g, "unix:uid", (int) o[0], lo);
                }
                if (o[1] >= 0) {
                    Files.setAttribute(g, "unix:gid", (int) o[1], lo);
                }
            }
        }
        return ExitCodes.OK;
    }
}
