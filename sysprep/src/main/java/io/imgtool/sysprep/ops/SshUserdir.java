package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove ".ssh" directories in the guest. */
public final class SshUserdir extends GlobRemoval {

    public SshUserdir() {
        super("ssh-userdir", false, "Remove \".ssh\" directories in the guest",
                "Removes the .ssh directory of root and of every user with a home in /home (authorized keys, known hosts, private keys). Off by default, unlike virt-sysprep: a golden image usually keeps the keys its builder injected on purpose.",
                Mode.TREE, ALL, List.of("/home/*/.ssh", "/root/.ssh"));
    }
}
