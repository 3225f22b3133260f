package io.imgtool.sysprep.ops;

import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.OsFamily;
import java.io.IOException;
import java.util.List;

/** Remove snapd's device identity and state where a seed can rebuild it. */
public final class SnapdState extends BaseOperation {

    static final String SEED = "/var/lib/snapd/seed/seed.yaml";
    static final List<String> GLOBS = List.of("/var/lib/snapd/state.json", "/var/lib/snapd/device/*",
            "/var/lib/snapd/cookie/*");

    public SnapdState() {
        super("snapd-state", false, "Remove snapd's device identity and state where a seed can rebuild it",
                "Only where snapd has a seed (" + SEED + "): removes snapd's state.json, its device "
                        + "identity (/var/lib/snapd/device: device key and serial) and the snap cookies, so that "
                        + "each clone seeds snapd and registers as a device of its own. This is the state part "
                        + "of 'snap-preseed --reset'; mount units and snap files stay. Off by default.");
    }

    @Override
    public List<String> paths(OsFamily family) {
        return family == OsFamily.DEBIAN ? GLOBS : List.of();
    }

    @Override
    public void perform(GuestContext guest) throws IOException {
        GuestFiles files = guest.files();
        if (guest.family() == OsFamily.DEBIAN && files.typeFollow(SEED) == GuestFiles.Type.FILE) {
            GlobRemoval.remove(files, GlobRemoval.Mode.TREE, GLOBS);
        }
    }
}
