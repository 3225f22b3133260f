package io.imgtool.testdata;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The bootable test guest of issue 7: a root filesystem tree holding busybox (package
 * busybox-static) and an init script, to be put on an ext4 partition named {@code SLX_SYS} in a
 * GPT disk and booted with the host's cloud kernel and initrd ({@link TestKernel}) and
 * {@link #APPEND}. The init script checks a file created offline ({@link #OFFLINE_FILE}) and a file
 * deleted offline ({@link #DELETED_FILE}), remounts the root read-write, writes {@link #MARKER} and
 * prints {@link #CONSOLE_OK} (or a failure line), then powers off.
 *
 * <p>Works on any {@link Path}: a host directory (for mkfs.ext4 -d), jimfs, or imgtool's ext4
 * filesystem. The full test: {@link #populate}, then create {@link #OFFLINE_FILE} with
 * {@link #OFFLINE_CONTENT} and delete {@link #DELETED_FILE} offline, boot, read {@link #MARKER}
 * offline and check it starts with {@link #MARKER_OK}.
 */
public final class SlxTestGuest {

    /** The GPT partition name the initramfs looks up. */
    public static final String PARTLABEL = "SLX_SYS";
    /** The kernel command line. */
    public static final String APPEND = "console=ttyS0 root=PARTLABEL=" + PARTLABEL + " rw init=/sbin/imgtool-init panic=-1";
    public static final String INIT = "/sbin/imgtool-init";
    /** A file the test creates offline; the guest reads it back. */
    public static final String OFFLINE_FILE = "/etc/imgtool/offline-created";
    public static final String OFFLINE_CONTENT = "created offline by imgtool\n";
    /** A file {@link #populate} creates and the test deletes offline; the guest checks it is gone. */
    public static final String DELETED_FILE = "/etc/imgtool/deleted-offline";
    /** Written by the guest; read offline afterwards. */
    public static final String MARKER = "/var/lib/imgtool-guest/marker";
    public static final String MARKER_OK = "result=ok ";
    public static final String CONSOLE_OK = "IMGTOOL-GUEST: ok";

    private SlxTestGuest() {
    }

    /** Writes the tree (busybox, the init script, the file to delete later) under {@code root}. */
    public static void populate(Path root, Path busybox) throws IOException {
        for (String d : new String[] {"bin", "sbin", "etc/imgtool", "proc", "sys", "dev", "tmp", "run", "root",
                "var/lib"}) {
            Files.createDirectories(root.resolve(d));
        }
        write(root.resolve("bin/busybox"), Files.readAllBytes(busybox), true);
        Files.createSymbolicLink(root.resolve("bin/sh"), root.getFileSystem().getPath("busybox"));
        try (InputStream in = SlxTestGuest.class.getResourceAsStream("slx-guest/imgtool-init")) {
            write(root.resolve(INIT.substring(1)), in.readAllBytes(), true);
        }
        write(root.resolve(DELETED_FILE.substring(1)), "imgtool deletes this offline\n".getBytes(StandardCharsets.UTF_8),
                false);
    }

    private static void write(Path p, byte[] content, boolean executable) throws IOException {
        Files.write(p, content);
        if (p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
        }
    }
}
