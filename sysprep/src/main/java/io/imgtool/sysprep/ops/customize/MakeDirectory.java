package io.imgtool.sysprep.ops.customize;

import io.imgtool.sysprep.Customization;
import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import java.io.IOException;

/** {@code --mkdir DIR}: creates a directory and its missing parents (0755, root). */
public record MakeDirectory(String path) implements Customization {

    public MakeDirectory {
        Args.guestPath("--mkdir", path);
    }

    public static MakeDirectory parse(String value) {
        return new MakeDirectory(value);
    }

    @Override
    public String describe() {
        return "--mkdir " + path;
    }

    @Override
    public void apply(GuestContext guest) throws IOException {
        guest.files().mkdirs(path, GuestFiles.Meta.ROOT_DIR);
    }
}
