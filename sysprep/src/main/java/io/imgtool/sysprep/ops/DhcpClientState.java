package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove DHCP client leases. */
public final class DhcpClientState extends GlobRemoval {

    public DhcpClientState() {
        super("dhcp-client-state", true, "Remove DHCP client leases",
                "Removes the leases dhclient stored (/var/lib/dhclient on the Red Hat family, /var/lib/dhcp on Debian): a clone would otherwise ask for the template's address.",
                Mode.TREE, ALL, List.of(
                        "/var/lib/dhclient/*",
                        "/var/lib/dhcp/*"));
    }
}
