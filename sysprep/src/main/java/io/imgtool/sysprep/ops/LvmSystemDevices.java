package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove LVM2 system.devices file. */
public final class LvmSystemDevices extends GlobRemoval {

    public LvmSystemDevices() {
        super("lvm-system-devices", true, "Remove LVM2 system.devices file",
                "Removes /etc/lvm/devices/system.devices, which restricts LVM to the WWIDs of the template's disks; a clone's disks have other WWIDs and would not be scanned.",
                Mode.FILE, ALL, List.of(
                        "/etc/lvm/devices/system.devices"));
    }
}
