package io.imgtool.sysprep.ops;

import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.OsFamily;
import java.io.IOException;

/**
 * After certificates were removed from the trust store's sources, the store must be rebuilt by the
 * guest's own tool, which imgtool cannot run offline: a first-boot unit runs it (virt-sysprep adds a
 * firstboot script for the same reason when it cannot run the tool in its appliance).
 */
final class CaTrust {

    static final String UNIT = "imgtool-update-ca-trust.service";

    private CaTrust() {
    }

    static void rebuildAtFirstBoot(GuestContext guest, String operation) throws IOException {
        String command = guest.family() == OsFamily.DEBIAN ? "/usr/sbin/update-ca-certificates"
                : "/usr/bin/update-ca-trust extract";
        if (!guest.hasSystemd()) {
            guest.warn(operation + ": certificates were removed; run '" + command + "' in the guest to rebuild its CA store");
            return;
        }
        String text = "# Installed by imgtool seal (" + operation + "): rebuild the CA store once, then disable.\n"
                + "[Unit]\n"
                + "Description=Rebuild the CA trust store (imgtool first boot)\n"
                + "\n"
                + "[Service]\n"
                + "Type=oneshot\n"
                + "ExecStart=-" + command + "\n"
                + "ExecStartPost=/bin/sh -c 'systemctl disable " + UNIT + "'\n"
                + "\n"
                + "[Install]\n"
                + "WantedBy=" + SystemdUnits.TARGET + "\n";
        SystemdUnits.installAndEnable(guest.files(), UNIT, text);
    }
}
