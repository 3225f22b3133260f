package io.imgtool.ext4;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The model side of the crash tests. */
final class CrashTestSupport {

    private CrashTestSupport() {
    }

    /** Snapshots of the jimfs model after every single operation of {@link RandomOps}(seed): index = ops done. */
    static List<Map<String, String>> everyOp(long seed, int ops) throws IOException {
        List<Map<String, String>> out = new ArrayList<>();
        RandomOps gen = new RandomOps(seed, 200);
        try (FileSystem model = WritePropertyTest.jimfs()) {
            Path root = Files.createDirectory(model.getPath("/model"),
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(RandomOps.perms(0755)));
            out.add(RandomOps.snapshot(root));
            for (int i = 0; i < ops; i++) {
                RandomOps.apply(gen.next(), root);
                out.add(RandomOps.snapshot(root));
            }
        }
        return out;
    }

    /** Snapshots of the jimfs model after 0, every, 2*every... operations of {@link RandomOps}(seed). */
    static List<Map<String, String>> modelStates(long seed, int every, int commits) throws IOException {
        List<Map<String, String>> out = new ArrayList<>();
        RandomOps gen = new RandomOps(seed, 200);
        try (FileSystem model = WritePropertyTest.jimfs()) {
            Path root = Files.createDirectory(model.getPath("/model"),
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(RandomOps.perms(0755)));
            out.add(RandomOps.snapshot(root));
            for (int c = 0; c < commits; c++) {
                for (int i = 0; i < every; i++) {
                    RandomOps.apply(gen.next(), root);
                }
                out.add(RandomOps.snapshot(root));
            }
        }
        return out;
    }
}
