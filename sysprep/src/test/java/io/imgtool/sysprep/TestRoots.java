package io.imgtool.sysprep;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;

/** Guest roots for tests: a fresh jimfs with posix and unix views, or a host temporary directory. */
public final class TestRoots {

    private TestRoots() {
    }

    /** A jimfs root directory "/guest" (its parent holds things outside the guest). */
    public static Path jimfs() throws IOException {
        FileSystem fs = Jimfs.newFileSystem(Configuration.unix().toBuilder()
                .setAttributeViews("basic", "owner", "posix", "unix").build());
        Path root = fs.getPath("/guest");
        Files.createDirectory(root);
        return root;
    }

    /** A "guest" directory inside {@code tmp} on the host filesystem. */
    public static Path host(Path tmp) throws IOException {
        Path root = tmp.resolve("guest");
        Files.createDirectories(root);
        return root;
    }
}
