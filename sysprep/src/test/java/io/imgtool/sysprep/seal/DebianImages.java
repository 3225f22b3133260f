package io.imgtool.sysprep.seal;

import io.imgtool.testdata.DebianDisk;
import io.imgtool.testdata.DebianGuest;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.Scratch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The used Debian bookworm image of the seal tests: {@link DebianGuest#usedTree()} (debootstrap, cached
 * in ~/.cache/imgtool) laid out by {@link DebianDisk} in a 4 GiB sparse raw file, built once per test
 * JVM under target/tmp and removed when it exits. Building the tree needs root and Debian's mirror the first time; without them the
 * tests skip loudly (and fail under CI=true).
 */
final class DebianImages {

    static final long SIZE = 4L << 30;
    private static Path image;

    private DebianImages() {
    }

    /** The used image (read-only for callers: copy it before writing). */
    static synchronized Path used() throws IOException {
        if (image != null) {
            return image;
        }
        for (String t : new String[] {"sgdisk", "mkfs.ext4", "mkfs.vfat"}) {
            ReferenceTools.require(t);
        }
        Path cache = DebianGuest.cacheDir().resolve("bookworm-seal-used");
        if (!Files.exists(cache.resolve(".imgtool-complete")) && !"root".equals(System.getProperty("user.name"))) {
            String msg = "the Debian guest tree is not cached and building it (debootstrap) needs root";
            if (ReferenceTools.isCi()) {
                throw new AssertionError(msg);
            }
            System.err.println("\n*** SKIPPED: " + msg + " ***\n");
            Assumptions.abort(msg);
        }
        Path tree = DebianGuest.usedTree();
        Path dir = Scratch.dirForThisJvm("debian-seal");
        Path img = dir.resolve("used.raw");
        Files.deleteIfExists(img);
        DebianDisk.build(tree, img, SIZE);
        image = img;
        return img;
    }

    /**
     * A qcow2 overlay at {@code to} over the used image (made by qemu-img): writes land in the
     * overlay, so a test that changes the image takes megabytes, not a copy of the guest.
     */
    static Path overlay(Path to) throws IOException {
        Files.deleteIfExists(to);
        ReferenceTools.runOk("qemu-img", "create", "-q", "-f", "qcow2", "-b", used().toString(), "-F", "raw",
                to.toString());
        return to;
    }
}
