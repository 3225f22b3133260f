package io.imgtool.ext4;

import io.imgtool.core.RawFileDevice;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.Scratch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Builds filesystem images with the reference mkfs in tests. */
final class Images {

    private Images() {
    }

    /** Scratch folder {@code ext4-NAME} under target/tmp, removed after the test class. */
    static Path scratch(String name) throws IOException {
        return Scratch.dir("ext4-" + name);
    }

    /**
     * Runs {@code mkfs} (e.g. "mkfs.ext4") with extra arguments, populating from {@code tree} when
     * not null, creating an image of {@code size} (mke2fs size syntax, e.g. "64M").
     */
    static Path mkfs(Path image, String mkfs, List<String> args, Path tree, String size) throws IOException {
        Files.deleteIfExists(image);
        List<String> cmd = new ArrayList<>(List.of(mkfs, "-q", "-F"));
        cmd.addAll(args);
        // Fixed identity so failures reproduce.
        cmd.addAll(List.of("-U", "5b6e1c52-64a4-4d1b-9a3e-1f2d3c4b5a69", "-E",
                "hash_seed=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"));
        if (tree != null) {
            cmd.addAll(List.of("-d", tree.toString()));
        }
        cmd.add(image.toString());
        cmd.add(size);
        ReferenceTools.Result r = ReferenceTools.run(cmd.toArray(String[]::new));
        if (r.exit() != 0) {
            throw new AssertionError(r.describe());
        }
        return image;
    }

    static Ext4Volume open(Path image) throws IOException {
        return Ext4Volume.openOwning(RawFileDevice.open(image, false), Ext4Options.defaults());
    }

    static Ext4Volume open(Path image, Ext4Options o) throws IOException {
        return Ext4Volume.openOwning(RawFileDevice.open(image, false), o);
    }
}
