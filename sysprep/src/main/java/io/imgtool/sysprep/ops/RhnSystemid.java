package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove the RHN system ID. */
public final class RhnSystemid extends GlobRemoval {

    public RhnSystemid() {
        super("rhn-systemid", true, "Remove the RHN system ID",
                "On the Red Hat family, removes the Red Hat Network system id and the osad credentials.",
                Mode.FILE, RHEL, List.of("/etc/sysconfig/rhn/systemid", "/etc/sysconfig/rhn/osad-auth.conf"));
    }
}
