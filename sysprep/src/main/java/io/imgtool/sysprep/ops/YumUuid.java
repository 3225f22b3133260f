package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove the yum UUID. */
public final class YumUuid extends GlobRemoval {

    public YumUuid() {
        super("yum-uuid", true, "Remove the yum UUID",
                "On the Red Hat family, removes the UUID yum identifies the machine with; yum makes a new one when it next runs.",
                Mode.FILE, RHEL, List.of("/var/lib/yum/uuid"));
    }
}
