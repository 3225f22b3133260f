package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove etckeeper's history of /etc. */
public final class Etckeeper extends GlobRemoval {

    public Etckeeper() {
        super("etckeeper", true, "Remove etckeeper's history of /etc",
                "Removes the version-control repository etckeeper keeps of /etc (/etc/.git, .hg, .bzr or .darcs) and its cache. The history holds every earlier /etc, including the SSH host keys and password hashes the other operations remove; a clone must not carry it. etckeeper keeps working without a repository (it commits nothing until 'etckeeper init').",
                Mode.TREE, ALL, List.of(
                        "/etc/.git",
                        "/etc/.hg",
                        "/etc/.bzr",
                        "/etc/_darcs",
                        "/var/cache/etckeeper/*"));
    }
}
