package io.imgtool.sysprep.ops.customize;

import io.imgtool.sysprep.Customization;
import io.imgtool.sysprep.Glob;
import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import java.io.IOException;

/**
 * {@code --delete PATH}: removes a guest file or directory with its contents; PATH may be a glob
 * pattern. Links are removed as links.
 */
public record Delete(String path) implements Customization {

    public Delete {
        Args.guestPath("--delete", path);
        if (path.replace("/", "").isEmpty()) {
            throw new IllegalArgumentException("--delete: refusing to delete the guest root");
        }
    }

    public static Delete parse(String value) {
        return new Delete(value);
    }

    @Override
    public String describe() {
        return "--delete " + path;
    }

    @Override
    public void apply(GuestContext guest) throws IOException {
        GuestFiles files = guest.files();
        if (Glob.hasWildcard(path)) {
            for (String p : files.glob(path)) {
                files.removeTree(p);
            }
        } else {
            files.removeTree(path);
        }
    }
}
