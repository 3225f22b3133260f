package io.imgtool.ext4;

import io.imgtool.core.RawFileDevice;
import java.nio.file.Path;

/**
 * The writer a crash test kills: runs {@link RandomOps} on an image, flushing every N operations and
 * printing "committed K" after each flush returned (so the parent knows which state is durable).
 * Arguments: image, seed, N.
 */
public final class CrashChild {

    private CrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path image = Path.of(args[0]);
        long seed = Long.parseLong(args[1]);
        int every = Integer.parseInt(args[2]);
        RandomOps gen = new RandomOps(seed, 200);
        try (Ext4Volume vol = Ext4Volume.openOwning(RawFileDevice.open(image, true),
                Ext4Options.builder().writable(true).randomSeed(seed).build())) {
            Path root = vol.fileSystem().getPath("/");
            int commits = 0;
            for (int i = 0; commits < 100_000; i++) {
                RandomOps.apply(gen.next(), root);
                if ((i + 1) % every == 0) {
                    vol.flush();
                    commits++;
                    System.out.println("committed " + commits);
                    System.out.flush();
                }
            }
        }
    }
}
