package io.imgtool.cli;

import io.imgtool.ext4.Ext4Volume;
import io.imgtool.ext4.export.Compression;
import io.imgtool.ext4.export.ExportResult;
import io.imgtool.ext4.export.TarExport;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code imgtool tar-out IMAGE [PATH] OUT.tar[.gz|.xz|.zst]}: the tree as a tar archive. */
@Command(name = "tar-out", mixinStandardHelpOptions = true,
        description = {"Write a directory tree of the ext2/3/4 filesystem in IMAGE as a tar archive (like virt-tar-out):",
            "numeric owners, modes, nanosecond mtimes, extended attributes and ACLs (pax SCHILY.xattr), hard links,",
            "device nodes, fifos and sparse files. The compression follows OUT's name (.gz, .xz, .zst);",
            "OUT '-' writes an uncompressed archive to standard output. OUT must not exist."})
public final class TarOutCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "A filesystem image.")
    Path image;

    @Parameters(index = "1..2", arity = "1..2", paramLabel = "[PATH] OUT", description = "Guest directory (default /) and the archive.")
    List<String> rest;

    @Mixin
    FsImageArgs fsArgs;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Standard output for OUT "-"; tests may replace it. */
    OutputStream stdout = System.out;

    @Override
    public Integer call() throws IOException {
        String guest = rest.size() == 2 ? rest.get(0) : "/";
        String outName = rest.get(rest.size() - 1);
        ExportResult r;
        try (Ext4Volume vol = fsArgs.open(image); FileSystem fs = vol.fileSystem()) {
            Path root = fs.getPath(guest);
            if (outName.equals("-")) {
                r = TarExport.write(root, stdout, Compression.NONE);
                stdout.flush();
            } else {
                Path out = Path.of(outName);
                Compression c = Compression.forFileName(outName);
                try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    if (c == Compression.NONE) {
                        r = TarExport.write(root, ch); // data goes image -> archive without heap copies
                    } else {
                        OutputStream os = new java.io.BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                        r = TarExport.write(root, os, c);
                    }
                } catch (IOException | RuntimeException e) {
                    if (!(e instanceof java.nio.file.FileAlreadyExistsException)) {
                        Files.deleteIfExists(out);
                    }
                    throw e;
                }
            }
        }
        return Reports.print(spec, "tar-out", r);
    }
}
