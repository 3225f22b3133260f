package io.imgtool.sysprep.ops;

import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.OsFamily;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Remove the user accounts in the guest. */
public final class UserAccount extends BaseOperation {

    /** Homes never removed, whatever /etc/passwd says. */
    static final Set<String> SYSTEM_DIRS = Set.of("/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64",
            "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var");

    public UserAccount() {
        super("user-account", false, "Remove the user accounts in the guest",
                "Removes the ordinary user accounts (UID_MIN to UID_MAX of /etc/login.defs, 1000 to 60000 "
                        + "when unset; root is never removed): their lines in /etc/passwd, /etc/shadow, the "
                        + "group of the same name in /etc/group and /etc/gshadow, their mail spool and home "
                        + "directory. --remove-user-accounts limits it to the users named; "
                        + "--keep-user-accounts spares the users named. A home that is a system directory "
                        + "(/, /usr, /var, ...) is never removed.");
    }

    @Override
    public List<String> paths(OsFamily family) {
        return List.of("/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/var/spool/mail/USER", "HOME");
    }

    @Override
    public void perform(GuestContext guest) throws IOException {
        GuestFiles files = guest.files();
        int min = Accounts.loginDefs(files, "UID_MIN", 1000);
        int max = Accounts.loginDefs(files, "UID_MAX", 60000);
        Set<String> remove = guest.options().removeUsers();
        Set<String> keep = guest.options().keepUsers();
        Set<String> gone = new LinkedHashSet<>();
        List<Accounts.User> users = Accounts.users(files);
        for (Accounts.User u : users) {
            if (u.uid() < min || u.uid() > max || u.uid() == 0 || keep.contains(u.name())) {
                continue;
            }
            if (!remove.isEmpty() && !remove.contains(u.name())) {
                continue;
            }
            gone.add(u.name());
        }
        if (gone.isEmpty()) {
            return;
        }
        Accounts.dropEntries(files, "/etc/passwd", gone);
        Accounts.dropEntries(files, "/etc/shadow", gone);
        Accounts.dropEntries(files, "/etc/group", gone);
        Accounts.dropEntries(files, "/etc/gshadow", gone);
        for (Accounts.User u : users) {
            if (!gone.contains(u.name())) {
                continue;
            }
            files.removeTree("/var/spool/mail/" + u.name());
            String home = u.home();
            if (home.isEmpty() || !home.startsWith("/")) {
                continue;
            }
            String resolved = files.resolver().guestPathOf(files.resolver().resolve(home));
            if (SYSTEM_DIRS.contains(resolved)) {
                guest.warn("user-account: kept the home " + home + " of " + u.name() + ": a system directory");
                continue;
            }
            files.removeTree(home);
        }
    }
}
