package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove the Smolt hardware UUID. */
public final class SmoltUuid extends GlobRemoval {

    public SmoltUuid() {
        super("smolt-uuid", true, "Remove the Smolt hardware UUID",
                "Removes the hardware UUID the Smolt hardware profiler created.",
                Mode.FILE, ALL, List.of("/etc/sysconfig/hw-uuid", "/etc/smolt/uuid", "/etc/smolt/hw-uuid"));
    }
}
