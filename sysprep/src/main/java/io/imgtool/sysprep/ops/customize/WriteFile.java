package io.imgtool.sysprep.ops.customize;

import io.imgtool.sysprep.Customization;
import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** {@code --write PATH:CONTENT}: writes CONTENT (exactly, no newline added) to a guest file. */
public record WriteFile(String path, String content) implements Customization {

    public WriteFile {
        Args.guestPath("--write", path);
    }

    public static WriteFile parse(String value) {
        String[] a = Args.split("--write", value, "PATH:CONTENT", true);
        return new WriteFile(a[0], a[1]);
    }

    @Override
    public String describe() {
        return "--write " + path + ":...";
    }

    @Override
    public void apply(GuestContext guest) throws IOException {
        guest.files().write(path, content.getBytes(StandardCharsets.UTF_8), GuestFiles.Meta.ROOT_FILE);
    }
}
