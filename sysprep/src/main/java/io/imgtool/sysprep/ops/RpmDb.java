package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove host-specific RPM database files. */
public final class RpmDb extends GlobRemoval {

    public RpmDb() {
        super("rpm-db", true, "Remove host-specific RPM database files",
                "On rpm-based guests, removes the Berkeley DB environment files (__db.*) and locks of the rpm database; rpm recreates them when needed.",
                Mode.FILE, RPM, List.of("/var/lib/rpm/__db.*"));
    }
}
