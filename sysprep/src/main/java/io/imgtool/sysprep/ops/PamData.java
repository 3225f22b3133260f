package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove the PAM data in the guest. */
public final class PamData extends GlobRemoval {

    public PamData() {
        super("pam-data", true, "Remove the PAM data in the guest",
                "Removes the runtime files of pam_console, pam_faillock and pam_sepermit.",
                Mode.FILE, ALL, List.of("/var/run/console/*", "/var/run/faillock/*", "/var/run/sepermit/*"));
    }
}
