package io.imgtool.sysprep.ops;

import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.MachineIdMode;
import io.imgtool.sysprep.OsFamily;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Remove the local machine ID. */
public final class MachineId extends BaseOperation {

    static final String ETC = "/etc/machine-id";
    static final String DBUS = "/var/lib/dbus/machine-id";

    public MachineId() {
        super("machine-id", true, "Remove the local machine ID",
                "Empties /etc/machine-id (default) or writes 'uninitialized' into it (--machine-id "
                        + "uninitialized, systemd's first-boot marker), so that every clone makes its own id at "
                        + "first boot; a missing file stays missing. /var/lib/dbus/machine-id: a link (to "
                        + "/etc/machine-id) is kept; a regular file, an old copy of the id, becomes such a link "
                        + "on Debian and Ubuntu (as their dbus package makes it) and is removed elsewhere "
                        + "(systemd-tmpfiles' dbus.conf links it again at boot). The id is never re-seeded "
                        + "with a fixed value, which would make every clone share it.");
    }

    @Override
    public int order() {
        return 999; // after customize, like virt-sysprep's machine-id
    }

    @Override
    public List<String> paths(OsFamily family) {
        return List.of(ETC, DBUS);
    }

    @Override
    public void perform(GuestContext guest) throws IOException {
        GuestFiles files = guest.files();
        if (files.isRegularFile(ETC)) {
            if (guest.options().machineId() == MachineIdMode.UNINITIALIZED) {
                files.write(ETC, "uninitialized\n".getBytes(StandardCharsets.US_ASCII), GuestFiles.Meta.ROOT_FILE);
            } else {
                files.truncate(ETC);
            }
        }
        if (files.isRegularFile(DBUS)) {
            if (guest.family() == OsFamily.DEBIAN) {
                files.symlink(DBUS, ETC);
            } else {
                files.removeFile(DBUS);
            }
        }
    }
}
