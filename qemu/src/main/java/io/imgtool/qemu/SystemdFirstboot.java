package io.imgtool.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A one-shot systemd unit, enabled by a symlink in multi-user.target.wants, that runs the script
 * (through {@link UserData#scriptWrapper}), records its status in
 * {@code /var/lib/imgtool/firstboot.status} (which also keeps it from running again), removes its
 * own enablement link and powers the guest off.
 */
public final class SystemdFirstboot implements FirstbootInstaller {

    static final String UNIT = "imgtool-firstboot.service";
    static final String UNIT_PATH = "etc/systemd/system/" + UNIT;
    static final String WANTS_LINK = "etc/systemd/system/multi-user.target.wants/" + UNIT;
    static final String WRAPPER = "usr/local/lib/imgtool/firstboot";
    static final String STATUS = "/var/lib/imgtool/firstboot.status";

    @Override
    public void install(Path guestRoot, byte[] script) throws IOException {
        byte[] wrapper = UserData.scriptWrapper(script);
        String runner = "#!/bin/sh\n"
                + "# imgtool firstboot: run the script once, record its status, power off\n"
                + "/usr/local/lib/imgtool/firstboot-script\n"
                + "status=$?\n"
                + "mkdir -p /var/lib/imgtool\n"
                + "echo \"$status\" > " + STATUS + "\n"
                + "rm -f /" + WANTS_LINK + "\n"
                + "systemctl --no-block poweroff\n"
                + "exit $status\n";
        String unit = "[Unit]\n"
                + "Description=imgtool firstboot script (runs once, then powers off)\n"
                + "Wants=network-online.target\n"
                + "After=network-online.target\n"
                + "ConditionPathExists=!" + STATUS + "\n"
                + "\n"
                + "[Service]\n"
                + "Type=oneshot\n"
                + "ExecStart=/" + WRAPPER + "\n"
                + "StandardOutput=journal+console\n"
                + "StandardError=journal+console\n"
                + "TimeoutStartSec=infinity\n"
                + "\n"
                + "[Install]\n"
                + "WantedBy=multi-user.target\n";
        Path root = guestRoot;
        write(root.resolve("usr/local/lib/imgtool/firstboot-script"), wrapper, true);
        write(root.resolve(WRAPPER), runner.getBytes(StandardCharsets.UTF_8), true);
        write(root.resolve(UNIT_PATH), unit.getBytes(StandardCharsets.UTF_8), false);
        Path link = root.resolve(WANTS_LINK);
        Files.createDirectories(link.getParent());
        if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
            Files.delete(link);
        }
        // A guest-absolute target: resolved inside the guest, never on the host.
        Files.createSymbolicLink(link, root.getFileSystem().getPath("/" + UNIT_PATH));
    }

    private static void write(Path p, byte[] content, boolean executable) throws IOException {
        Files.createDirectories(p.getParent());
        Files.write(p, content);
        if (p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
        }
    }
}
