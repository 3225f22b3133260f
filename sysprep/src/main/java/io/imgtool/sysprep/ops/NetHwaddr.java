package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove HWADDR (hard-coded MAC address) configuration. */
public final class NetHwaddr extends IfcfgEdit {

    public NetHwaddr() {
        super("net-hwaddr", "Remove HWADDR (hard-coded MAC address) configuration",
                "On the Red Hat family, removes the HWADDR= lines from the ifcfg-* files in "
                        + "/etc/sysconfig/network-scripts, so that a clone's new MAC address still matches.",
                List.of("HWADDR="));
    }
}
