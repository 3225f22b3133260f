package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove the RH subscription manager files. */
public final class RhSubscriptionManager extends GlobRemoval {

    public RhSubscriptionManager() {
        super("rh-subscription-manager", true, "Remove the RH subscription manager files",
                "On the Red Hat family, removes the consumer identity and entitlement certificates of subscription-manager: a clone must register on its own.",
                Mode.TREE, RHEL, List.of("/etc/pki/consumer/*", "/etc/pki/entitlement/*"));
    }
}
