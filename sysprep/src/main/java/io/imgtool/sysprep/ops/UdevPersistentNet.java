package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove udev persistent net rules. */
public final class UdevPersistentNet extends GlobRemoval {

    public UdevPersistentNet() {
        super("udev-persistent-net", true, "Remove udev persistent net rules",
                "Removes /etc/udev/rules.d/70-persistent-net.rules, which binds the old MAC addresses to eth0, eth1, ...: a clone with a new MAC address would otherwise get eth1.",
                Mode.FILE, ALL, List.of("/etc/udev/rules.d/70-persistent-net.rules"));
    }
}
