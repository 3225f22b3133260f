package io.imgtool.cli;

import io.imgtool.ext4.Ext4Volume;
import io.imgtool.ext4.export.ExportResult;
import io.imgtool.ext4.export.HostImport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code imgtool put IMAGE LOCAL GUESTPATH}: copy a host file or tree into the image. */
@Command(name = "put", mixinStandardHelpOptions = true,
        description = {"Copy a host file, symbolic link or directory tree into the ext2/3/4 filesystem in IMAGE.",
            "An existing directory GUESTPATH receives LOCAL under its own name. Permission bits (setuid, setgid,",
            "sticky included) and modification times are kept, all-zero blocks stay holes; owners are 0:0 unless",
            "--owner or --keep-owners. Nothing existing is overwritten unless --force (files and links only).",
            "Changes are journaled: an interrupted run leaves the image as before or with the whole copy."})
public final class PutCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk or filesystem image (changed in place).")
    Path image;

    @Parameters(index = "1", paramLabel = "LOCAL", description = "Host file or directory.")
    Path local;

    @Parameters(index = "2", paramLabel = "GUESTPATH", description = "Guest destination.")
    String guest;

    @Option(names = "--owner", paramLabel = "UID:GID", description = "Numeric owner of what is created (default 0:0).")
    String owner;

    @Option(names = "--keep-owners", description = "Give the copies the host files' numeric owners.")
    boolean keepOwners;

    @Option(names = {"-f", "--force"}, description = "Replace existing files and links.")
    boolean force;

    @Mixin
    FsImageArgs fsArgs;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        long[] o = Owners.parse(owner == null ? "0:0" : owner);
        ExportResult r;
        try (Ext4Volume vol = fsArgs.openWritable(image)) {
            r = HostImport.copy(local, vol.fileSystem().getPath(guest),
                    new HostImport.Options(o[0], o[1] < 0 ? 0 : o[1], keepOwners, force));
        }
        return Reports.print(spec, "put", r);
    }
}
