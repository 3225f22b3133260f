package io.imgtool.cli;

import io.imgtool.ext4.Ext4Volume;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code imgtool cat IMAGE PATH}: a file's content on standard output. */
@Command(name = "cat", mixinStandardHelpOptions = true,
        description = "Write a file of the ext2/3/4 filesystem in IMAGE to standard output.")
public final class CatCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "A filesystem image.")
    Path image;

    @Parameters(index = "1", paramLabel = "PATH", description = "Guest path of a file (symbolic links are followed inside the guest).")
    String path;

    @Mixin
    FsImageArgs fsArgs;

    /** Where the bytes go; standard output unless a test sets it. */
    OutputStream out = System.out;

    @Override
    public Integer call() throws IOException {
        try (Ext4Volume vol = fsArgs.open(image); FileSystem fs = vol.fileSystem()) {
            Files.copy(fs.getPath(path), out);
            out.flush();
        }
        return ExitCodes.OK;
    }
}
