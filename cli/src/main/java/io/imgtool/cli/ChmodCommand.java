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
import picocli.CommandLine.Parameters;

/** {@code imgtool chmod IMAGE MODE PATH...}. */
@Command(name = "chmod", mixinStandardHelpOptions = true,
        description = {"Set the permission bits (octal, setuid/setgid/sticky included) of guest paths in the ext2/3/4",
            "filesystem in IMAGE. Symbolic links are followed inside the guest."})
public final class ChmodCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk or filesystem image (changed in place).")
    Path image;

    @Parameters(index = "1", paramLabel = "MODE", description = "Octal mode, e.g. 0644 or 4755.")
    String mode;

    @Parameters(index = "2..*", arity = "1..*", paramLabel = "PATH", description = "Guest paths.")
    List<String> paths;

    @Mixin
    FsImageArgs fsArgs;

    @Override
    public Integer call() throws IOException {
        int m = Owners.mode(mode);
        try (Ext4Volume vol = fsArgs.openWritable(image)) {
            FileSystem fs = vol.fileSystem();
            for (String p : paths) {
                Files.setAttribute(fs.getPath(p), "unix:mode", m);
            }
        }
        return ExitCodes.OK;
    }
}
