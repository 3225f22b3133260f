package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove the utmp file. */
public final class Utmp extends GlobRemoval {

    public Utmp() {
        super("utmp", true, "Remove the utmp file",
                "Removes /var/run/utmp, the record of who is logged in (on disk only in old distributions; modern ones keep it in /run, a tmpfs).",
                Mode.FILE, ALL, List.of("/var/run/utmp"));
    }
}
