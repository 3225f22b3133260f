package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove the database and log files of sssd. */
public final class SssdDbLog extends GlobRemoval {

    public SssdDbLog() {
        super("sssd-db-log", true, "Remove the database and log files of sssd",
                "Removes sssd's logs and cached databases (files only).",
                Mode.FILE, ALL, List.of("/var/log/sssd/*", "/var/lib/sss/db/*"));
    }
}
