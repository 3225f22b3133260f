package io.imgtool.sysprep.ops.customize;

import io.imgtool.sysprep.Customization;
import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --stamp VERSION}: records the image's release version in the guest:
 * {@code /etc/image-release} holds {@code VERSION} and a newline, and os-release gets
 * {@code IMAGE_VERSION=VERSION} (os-release(5)'s field for image builders), replacing an earlier
 * one. /etc/os-release is followed inside the guest, so where it links to /usr/lib/os-release the
 * latter gets the line. Idempotent.
 */
public record Stamp(String version) implements Customization {

    public Stamp {
        if (version == null || !version.matches("[A-Za-z0-9._~+-]{1,128}")) {
            throw new IllegalArgumentException("--stamp: the version may hold letters, digits and . _ ~ + - only: '"
                    + version + "'");
        }
    }

    public static Stamp parse(String value) {
        return new Stamp(value);
    }

    @Override
    public String describe() {
        return "--stamp " + version;
    }

    @Override
    public void apply(GuestContext guest) throws IOException {
        GuestFiles files = guest.files();
        files.writeText("/etc/image-release", version + "\n");
        String osr = files.typeFollow("/etc/os-release") == GuestFiles.Type.FILE ? "/etc/os-release"
                : files.typeFollow("/usr/lib/os-release") == GuestFiles.Type.FILE ? "/usr/lib/os-release" : null;
        if (osr == null) {
            files.writeText("/etc/os-release", "IMAGE_VERSION=" + version + "\n");
            return;
        }
        String text = files.readText(osr);
        List<String> out = new ArrayList<>();
        boolean done = false;
        String[] lines = text.split("\n", -1);
        for (String line : lines) {
            if (line.startsWith("IMAGE_VERSION=")) {
                if (!done) {
                    out.add("IMAGE_VERSION=" + version);
                    done = true;
                }
                continue;
            }
            out.add(line);
        }
        if (!done) {
            if (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
                out.add(out.size() - 1, "IMAGE_VERSION=" + version);
            } else {
                out.add("IMAGE_VERSION=" + version);
                out.add("");
            }
        }
        files.rewriteText(osr, String.join("\n", out));
    }
}
