package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove the database and log files of Samba. */
public final class SambaDbLog extends GlobRemoval {

    public SambaDbLog() {
        super("samba-db-log", true, "Remove the database and log files of Samba",
                "Removes Samba's logs and the files (not directories) of its databases.",
                Mode.FILE, ALL, List.of("/var/log/samba/*", "/var/log/samba/old/*", "/var/lib/samba/*", "/var/lib/samba/*/*"));
    }
}
