package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove the bash history in the guest. */
public final class BashHistory extends GlobRemoval {

    public BashHistory() {
        super("bash-history", true, "Remove the bash history in the guest",
                "Removes .bash_history of root and of every user with a home directory directly in /home "
                        + "(homes elsewhere are not searched; a home that is a link is not followed).",
                Mode.FILE, ALL, List.of("/home/*/.bash_history", "/root/.bash_history"));
    }
}
