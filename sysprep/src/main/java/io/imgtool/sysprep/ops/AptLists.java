package io.imgtool.sysprep.ops;

import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.OsFamily;
import java.io.IOException;
import java.util.List;

/** Remove the apt package lists. */
public final class AptLists extends BaseOperation {

    public AptLists() {
        super("apt-lists", false, "Remove the apt package lists",
                "On Debian and Ubuntu, removes the package indexes apt downloaded (every regular file below "
                        + "/var/lib/apt/lists except the lock). Saves tens of megabytes; the clone must run "
                        + "'apt update' before it can install anything. Off by default.");
    }

    @Override
    public List<String> paths(OsFamily family) {
        return family == OsFamily.DEBIAN ? List.of("/var/lib/apt/lists/**") : List.of();
    }

    @Override
    public void perform(GuestContext guest) throws IOException {
        if (guest.family() == OsFamily.DEBIAN) {
            guest.files().removeFilesUnder("/var/lib/apt/lists", p -> p.endsWith("/lists/lock"));
        }
    }
}
