package io.imgtool.sysprep.ops.customize;

import io.imgtool.sysprep.Customization;
import io.imgtool.sysprep.GuestContext;
import java.io.IOException;

/** {@code --chmod MODE:PATH}: sets the permission bits (octal, up to 07777) of a guest path. */
public record Chmod(int mode, String path) implements Customization {

    public Chmod {
        if (mode < 0 || mode > 07777) {
            throw new IllegalArgumentException("--chmod: mode out of range: " + Integer.toOctalString(mode));
        }
        Args.guestPath("--chmod", path);
    }

    public static Chmod parse(String value) {
        String[] a = Args.split("--chmod", value, "MODE:PATH", false);
        if (!a[0].matches("[0-7]{1,5}")) {
            throw new IllegalArgumentException("--chmod: mode must be octal (e.g. 0755), got '" + a[0] + "'");
        }
        return new Chmod(Integer.parseInt(a[0], 8), a[1]);
    }

    @Override
    public String describe() {
        return String.format("--chmod %04o:%s", mode, path);
    }

    @Override
    public void apply(GuestContext guest) throws IOException {
        guest.files().setMode(path, mode);
    }
}
