package io.imgtool.sysprep.ops;

import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.OsFamily;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * Removes whatever a fixed list of glob patterns matches, on the families given: either every
 * matching entry with its contents ({@code rm -rf}, {@link Mode#TREE}) or only matching entries that
 * are not directories ({@code rm}, {@link Mode#FILE}), links removed as links.
 */
abstract class GlobRemoval extends BaseOperation {

    /** How a match is removed. */
    enum Mode {
        /** Any entry, directories with their contents (virt-sysprep's rm_rf). */
        TREE,
        /** Files, links and special files; directories are left (virt-sysprep's rm, errors ignored). */
        FILE
    }

    private final Mode mode;
    private final Set<OsFamily> families;
    private final List<String> globs;

    GlobRemoval(String name, boolean enabledByDefault, String heading, String description, Mode mode,
                Set<OsFamily> families, List<String> globs) {
        super(name, enabledByDefault, heading, description);
        this.mode = mode;
        this.families = Set.copyOf(families);
        this.globs = List.copyOf(globs);
    }

    @Override
    public List<String> paths(OsFamily family) {
        return families.contains(family) ? globs : List.of();
    }

    @Override
    public void perform(GuestContext guest) throws IOException {
        if (!families.contains(guest.family())) {
            return;
        }
        remove(guest.files(), mode, globs);
    }

    /** Removes every match of {@code patterns}. */
    static void remove(GuestFiles files, Mode mode, List<String> patterns) throws IOException {
        for (String glob : patterns) {
            for (String path : files.glob(glob)) {
                if (mode == Mode.TREE) {
                    files.removeTree(path);
                } else {
                    files.removeFile(path);
                }
            }
        }
    }
}
