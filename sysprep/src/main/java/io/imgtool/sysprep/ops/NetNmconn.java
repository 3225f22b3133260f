package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove system-local NetworkManager connection profiles (keyfiles). */
public final class NetNmconn extends GlobRemoval {

    public NetNmconn() {
        super("net-nmconn", true, "Remove system-local NetworkManager connection profiles (keyfiles)",
                "On the Red Hat family, removes /etc/NetworkManager/system-connections/*.nmconnection: profiles that name the interfaces and MAC addresses of the machine the image was made on.",
                Mode.FILE, RHEL, List.of("/etc/NetworkManager/system-connections/*.nmconnection"));
    }
}
