package io.imgtool.sysprep.ops;

import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.OsFamily;
import java.io.IOException;
import java.util.List;

/** Remove blkid tab in the guest. */
public final class BlkidTab extends BaseOperation {

    static final List<String> FILES = List.of("/var/run/blkid.tab", "/var/run/blkid.tab.old", "/etc/blkid/blkid.tab",
            "/etc/blkid/blkid.tab.old", "/etc/blkid.tab", "/etc/blkid.tab.old", "/dev/.blkid.tab", "/dev/.blkid.tab.old");

    public BlkidTab() {
        super("blkid-tab", true, "Remove blkid tab in the guest",
                "Removes the cache in which blkid remembers the template's devices and UUIDs. An entry "
                        + "that is a symbolic link is left alone (some distributions link it into /dev or /run).");
    }

    @Override
    public List<String> paths(OsFamily family) {
        return FILES;
    }

    @Override
    public void perform(GuestContext guest) throws IOException {
        GuestFiles files = guest.files();
        for (String f : FILES) {
            if (!files.isSymbolicLink(f)) {
                files.removeFile(f);
            }
        }
    }
}
