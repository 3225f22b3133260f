package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove network leases and generated network state. */
public final class NetworkState extends GlobRemoval {

    public NetworkState() {
        super("network-state", true, "Remove network leases and generated network state",
                "Removes what network managers learnt or generated on the template: NetworkManager leases, secret_key (the seed of stable-privacy IPv6 addresses), timestamps and seen BSSIDs; dhcpcd leases, DUID and secret; wicked leases and DUID; and the runtime state of systemd-networkd and netplan (leases in /run/systemd/netif, units netplan generated in /run) where the image holds them. Configuration is kept.",
                Mode.TREE, ALL, List.of(
                        "/var/lib/NetworkManager/*.lease",
                        "/var/lib/NetworkManager/secret_key",
                        "/var/lib/NetworkManager/timestamps",
                        "/var/lib/NetworkManager/seen-bssids",
                        "/var/lib/dhcpcd/*.lease",
                        "/var/lib/dhcpcd/*.lease6",
                        "/var/lib/dhcpcd/duid",
                        "/var/lib/dhcpcd/secret",
                        "/var/lib/wicked/lease-*",
                        "/var/lib/wicked/duid.xml",
                        "/var/lib/wicked/iaid.xml",
                        "/run/systemd/netif/leases/*",
                        "/run/systemd/netif/links/*",
                        "/run/systemd/network/*netplan*",
                        "/run/NetworkManager/system-connections/netplan-*",
                        "/run/udev/rules.d/*netplan*",
                        "/run/netplan/*"));
    }
}
