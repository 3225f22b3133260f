package io.imgtool.cli;

import io.imgtool.ext4.Ext4Volume;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgtool write IMAGE PATH --content TEXT}: create or replace a guest file's content. */
@Command(name = "write", mixinStandardHelpOptions = true,
        description = {"Write CONTENT (exactly, no newline added) or a host file's bytes to the guest file PATH in the",
            "ext2/3/4 filesystem in IMAGE. An existing file is rewritten in place (inode, owner and mode kept) or",
            "appended to; a new one is created with --mode (default 0644) and --owner (default 0:0). The change is",
            "atomic: an interrupted run leaves the old content or the new one."})
public final class WriteCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk or filesystem image (changed in place).")
    Path image;

    @Parameters(index = "1", paramLabel = "PATH", description = "Guest path (symbolic links followed inside the guest).")
    String path;

    static final class Source {
        @Option(names = "--content", paramLabel = "TEXT", required = true, description = "The bytes to write (UTF-8).")
        String content;

        @Option(names = "--from", paramLabel = "FILE", required = true, description = "A host file whose bytes to write.")
        Path from;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = {"-a", "--append"}, description = "Append instead of replacing the content.")
    boolean append;

    @Option(names = "--mode", paramLabel = "MODE", description = "Octal mode of a new file (default 0644).")
    String mode;

    @Option(names = "--owner", paramLabel = "UID:GID", description = "Numeric owner of a new file (default 0:0).")
    String owner;

    @Mixin
    FsImageArgs fsArgs;

    @Override
    public Integer call() throws IOException {
        byte[] bytes = source.content != null ? source.content.getBytes(StandardCharsets.UTF_8)
                : Files.readAllBytes(source.from);
        int m = mode == null ? 0644 : Owners.mode(mode);
        long[] o = Owners.parse(owner == null ? "0:0" : owner);
        try (Ext4Volume vol = fsArgs.openWritable(image)) {
            FileSystem fs = vol.fileSystem();
            Path p = fs.getPath(path);
            boolean existed = Files.exists(p);
            Files.write(p, bytes, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
            if (!existed) {
                Files.setAttribute(p, "unix:uid", (int) Math.max(0, o[0]));
                Files.setAttribute(p, "unix:gid", (int) Math.max(0, o[1]));
                Files.setAttribute(p, "unix:mode", m);
            }
        }
        return ExitCodes.OK;
    }
}
