package io.imgtool.sysprep.ops;

import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.OsFamily;
import java.io.IOException;
import java.util.List;

/** Remove the process accounting log files. */
public final class PacctLog extends BaseOperation {

    public PacctLog() {
        super("pacct-log", true, "Remove the process accounting log files",
                "Removes the process accounting logs and their rotations and leaves an empty pacct file "
                        + "(/var/account on the Red Hat family, /var/log/account on Debian), so accounting "
                        + "keeps working if it is on.");
    }

    private static String dir(OsFamily f) {
        return switch (f) {
            case RHEL -> "/var/account";
            case DEBIAN -> "/var/log/account";
            default -> null;
        };
    }

    @Override
    public List<String> paths(OsFamily family) {
        String d = dir(family);
        return d == null ? List.of() : List.of(d + "/pacct*", d + "/pacct");
    }

    @Override
    public void perform(GuestContext guest) throws IOException {
        String d = dir(guest.family());
        if (d == null) {
            return;
        }
        GuestFiles files = guest.files();
        String pacct = d + "/pacct";
        for (String f : files.glob(d + "/pacct*")) {
            if (f.equals(files.resolver().guestPathOf(files.resolver().resolve(pacct)))) {
                files.truncate(f); // the live file: emptied in place, like rm + touch
            } else {
                files.removeFile(f);
            }
        }
        if (files.isDirectory(d) && !files.exists(pacct)) {
            files.write(pacct, new byte[0], GuestFiles.Meta.ROOT_FILE);
        }
    }
}
