package io.imgtool.sysprep.ops.customize;

import io.imgtool.sysprep.Customization;
import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * {@code --upload LOCAL:GUESTPATH}: copies a host file into the guest (into GUESTPATH, or into it
 * when it is a directory, keeping the name). The permission bits of the local file are kept; the
 * owner is root (virt-customize keeps the local owner, which is the builder's account on the host).
 */
public record Upload(Path local, String guestPath) implements Customization {

    /** Upload size limit, as for every file imgtool reads into memory. */
    static final long MAX = GuestFiles.MAX_READ;

    public Upload {
        Args.guestPath("--upload", guestPath);
    }

    public static Upload parse(String value) {
        String[] a = Args.split("--upload", value, "LOCAL:GUESTPATH", false);
        return new Upload(Path.of(a[0]), a[1]);
    }

    @Override
    public String describe() {
        return "--upload " + local + ":" + guestPath;
    }

    @Override
    public void apply(GuestContext guest) throws IOException {
        if (!Files.isRegularFile(local)) {
            throw new IllegalArgumentException("--upload: not a regular file: " + local);
        }
        if (Files.size(local) > MAX) {
            throw new IllegalArgumentException("--upload: " + local + " is larger than " + MAX + " bytes");
        }
        byte[] data = Files.readAllBytes(local);
        int mode = 0644;
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(local);
            mode = 0;
            for (PosixFilePermission p : perms) {
                mode |= 1 << (8 - p.ordinal());
            }
        } catch (UnsupportedOperationException e) {
            // a host without POSIX permissions: 0644
        }
        GuestFiles files = guest.files();
        String target = guestPath;
        if (files.typeFollow(guestPath) == GuestFiles.Type.DIRECTORY) {
            target = (guestPath.endsWith("/") ? guestPath : guestPath + "/") + local.getFileName();
        }
        files.write(target, data, new GuestFiles.Meta(mode, 0, 0));
        files.setMode(target, mode);
    }
}
