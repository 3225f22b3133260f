package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove DHCP server leases. */
public final class DhcpServerState extends GlobRemoval {

    public DhcpServerState() {
        super("dhcp-server-state", true, "Remove DHCP server leases",
                "Removes the leases a DHCP server running in the guest handed out.",
                Mode.TREE, ALL, List.of("/var/lib/dhcpd/*"));
    }
}
