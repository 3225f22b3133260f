package io.imgtool.sysprep.seal;

import java.nio.file.Path;

/**
 * The child process of {@link SealCrashTest}: seals {@code args[0]} in place ("in-place") or into
 * {@code args[1]}, printing each progress message on its own line so that the parent can pick a
 * moment to kill it, and "done" at the end.
 */
public final class SealChild {

    private SealChild() {
    }

    public static void main(String[] args) throws Exception {
        Sealer.Builder b = Sealer.builder().input(Path.of(args[0])).checksums()
                .progress(m -> {
                    System.out.println(m);
                    System.out.flush();
                });
        if (args[1].equals("in-place")) {
            b.inPlace(true);
        } else {
            b.output(Path.of(args[1]));
        }
        b.build().seal();
        System.out.println("done");
        System.out.flush();
    }
}
