package io.imgtool.cli;

import io.imgtool.ext4.Ext4Volume;
import io.imgtool.ext4.export.ExportResult;
import io.imgtool.ext4.export.HostExport;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code imgtool get IMAGE PATH DEST}: copy a file or tree out of the image. */
@Command(name = "get", mixinStandardHelpOptions = true,
        description = {"Copy a file or directory tree out of the ext2/3/4 filesystem in IMAGE to DEST on the host,",
            "keeping modes, times, symbolic and hard links, holes and user.* attributes; owners, device nodes",
            "and fifos when run as root. Nothing existing is overwritten: an existing directory DEST receives",
            "PATH under its own name."})
public final class GetCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "A filesystem image.")
    Path image;

    @Parameters(index = "1", paramLabel = "PATH", description = "Guest path to copy.")
    String path;

    @Parameters(index = "2", paramLabel = "DEST", description = "Host destination.")
    Path dest;

    @Option(names = "--no-owners", description = "Do not set owners even when running as root.")
    boolean noOwners;

    @Mixin
    FsImageArgs fsArgs;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        ExportResult r;
        try (Ext4Volume vol = fsArgs.open(image); FileSystem fs = vol.fileSystem()) {
            HostExport.Options d = HostExport.Options.defaults();
            r = HostExport.copy(fs.getPath(path), dest, new HostExport.Options(d.owners() && !noOwners, d.xattrs()));
        }
        return Reports.print(spec, "get", r);
    }
}
