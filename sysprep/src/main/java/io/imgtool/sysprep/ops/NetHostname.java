package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove HOSTNAME and DHCP_HOSTNAME in network interface configuration. */
public final class NetHostname extends IfcfgEdit {

    public NetHostname() {
        super("net-hostname", "Remove HOSTNAME and DHCP_HOSTNAME in network interface configuration",
                "On the Red Hat family, removes the HOSTNAME= and DHCP_HOSTNAME= lines from the ifcfg-* "
                        + "files in /etc/sysconfig/network-scripts (a file without them is left untouched).",
                List.of("HOSTNAME=", "DHCP_HOSTNAME="));
    }
}
