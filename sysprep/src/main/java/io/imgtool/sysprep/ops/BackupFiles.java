package io.imgtool.sysprep.ops;

import io.imgtool.sysprep.Glob;
import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.OsFamily;
import java.io.IOException;
import java.util.List;

/** Remove editor backup files from the guest. */
public final class BackupFiles extends BaseOperation {

    static final List<String> TREES = List.of("/etc", "/root", "/srv", "/tmp", "/var");
    static final List<String> PATTERNS = List.of("*.bak", "*~");

    public BackupFiles() {
        super("backup-files", true, "Remove editor backup files from the guest",
                "Removes regular files named *.bak or *~ anywhere below /etc, /root, /srv, /tmp and /var "
                        + "(links and directories are left, links are not followed).");
    }

    @Override
    public List<String> paths(OsFamily family) {
        return List.of("/etc/**/*.bak", "/etc/**/*~", "/root/**/*.bak", "/root/**/*~", "/srv/**/*.bak", "/srv/**/*~",
                "/tmp/**/*.bak", "/tmp/**/*~", "/var/**/*.bak", "/var/**/*~");
    }

    @Override
    public void perform(GuestContext guest) throws IOException {
        GuestFiles files = guest.files();
        for (String tree : TREES) {
            if (files.isDirectory(tree)) {
                files.removeFilesUnder(tree, path -> !matches(path.substring(path.lastIndexOf('/') + 1)));
            }
        }
    }

    private static boolean matches(String name) {
        for (String p : PATTERNS) {
            if (Glob.fnmatch(p, name)) {
                return true;
            }
        }
        return false;
    }
}
