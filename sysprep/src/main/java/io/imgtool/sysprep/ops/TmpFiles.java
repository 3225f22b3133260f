package io.imgtool.sysprep.ops;

import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.OsFamily;
import java.io.IOException;
import java.util.List;

/** Remove temporary files. */
public final class TmpFiles extends BaseOperation {

    public TmpFiles() {
        super("tmp-files", true, "Remove temporary files",
                "Removes everything in /tmp and /var/tmp, hidden entries included; the directories "
                        + "themselves stay. A link is removed as a link, never followed.");
    }

    @Override
    public List<String> paths(OsFamily family) {
        return List.of("/tmp/*", "/tmp/.*", "/var/tmp/*", "/var/tmp/.*");
    }

    @Override
    public void perform(GuestContext guest) throws IOException {
        GuestFiles files = guest.files();
        for (String dir : List.of("/tmp", "/var/tmp")) {
            for (String entry : files.list(dir)) {
                files.removeTree(entry);
            }
        }
    }
}
