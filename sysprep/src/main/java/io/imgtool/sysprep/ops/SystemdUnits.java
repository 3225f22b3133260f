package io.imgtool.sysprep.ops;

import io.imgtool.sysprep.GuestFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Installs a unit file in /etc/systemd/system and enables it the way {@code systemctl enable}
 * does for {@code WantedBy=multi-user.target}: a link
 * {@code /etc/systemd/system/multi-user.target.wants/NAME -> /etc/systemd/system/NAME}.
 */
public final class SystemdUnits {

    /** Where units installed by the administrator live. */
    public static final String UNIT_DIR = "/etc/systemd/system";
    /** The target imgtool's units are wanted by. */
    public static final String TARGET = "multi-user.target";

    private SystemdUnits() {
    }

    /** The guest paths {@link #installAndEnable} may create for {@code name}. */
    public static java.util.List<String> paths(String name) {
        return java.util.List.of("/etc/systemd", UNIT_DIR, UNIT_DIR + "/" + name, UNIT_DIR + "/" + TARGET + ".wants",
                UNIT_DIR + "/" + TARGET + ".wants/" + name);
    }

    /** Writes {@code UNIT_DIR/name} with {@code text} and enables it (idempotent). */
    public static void installAndEnable(GuestFiles files, String name, String text) throws IOException {
        files.mkdirs(UNIT_DIR, GuestFiles.Meta.ROOT_DIR);
        String unit = UNIT_DIR + "/" + name;
        files.write(unit, text.getBytes(StandardCharsets.UTF_8), GuestFiles.Meta.ROOT_FILE);
        String wants = UNIT_DIR + "/" + TARGET + ".wants";
        files.mkdirs(wants, GuestFiles.Meta.ROOT_DIR);
        files.symlink(wants + "/" + name, unit);
    }
}
