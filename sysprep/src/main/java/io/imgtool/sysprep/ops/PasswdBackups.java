package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove /etc/passwd- and similar backup files. */
public final class PasswdBackups extends GlobRemoval {

    public PasswdBackups() {
        super("passwd-backups", true, "Remove /etc/passwd- and similar backup files",
                "Removes the backup copies shadow-utils leaves of the account files; they may hold old password hashes.",
                Mode.FILE, ALL, List.of("/etc/group-", "/etc/gshadow-", "/etc/passwd-", "/etc/shadow-", "/etc/subgid-", "/etc/subuid-"));
    }
}
