package io.imgtool.cli;

import io.imgtool.ext4.Ext4Volume;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgtool ln [-s] IMAGE TARGET LINK}: hard or symbolic links. */
@Command(name = "ln", mixinStandardHelpOptions = true,
        description = {"Make LINK a hard link to the guest file TARGET, or with -s a symbolic link whose text is TARGET",
            "(stored as given; resolved inside the guest later), in the ext2/3/4 filesystem in IMAGE."})
public final class LnCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk or filesystem image (changed in place).")
    Path image;

    @Parameters(index = "1", paramLabel = "TARGET", description = "Existing guest file (hard link) or link text (-s).")
    String target;

    @Parameters(index = "2", paramLabel = "LINK", description = "Guest path of the new link.")
    String link;

    @Option(names = {"-s", "--symbolic"}, description = "Make a symbolic link.")
    boolean symbolic;

    @Option(names = {"-f", "--force"}, description = "Replace an existing LINK (not a directory).")
    boolean force;

    @Mixin
    FsImageArgs fsArgs;

    @Override
    public Integer call() throws IOException {
        try (Ext4Volume vol = fsArgs.openWritable(image)) {
            FileSystem fs = vol.fileSystem();
            Path l = fs.getPath(link);
            if (force && Files.exists(l, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(l, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(l);
            }
            if (symbolic) {
                Files.createSymbolicLink(l, fs.getPath(target));
            } else {
                Files.createLink(l, fs.getPath(target));
            }
        }
        return ExitCodes.OK;
    }
}
