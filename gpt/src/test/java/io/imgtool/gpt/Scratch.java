package io.imgtool.gpt;

import io.imgtool.testdata.ReferenceTools;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Test helpers: scratch image files and the reference tools' verdicts on them. */
final class Scratch {

    private Scratch() {
    }

    /** A new sparse file of {@code size} bytes in {@code dir}. */
    static Path image(Path dir, String name, long size) throws IOException {
        Path p = dir.resolve(name);
        Files.deleteIfExists(p);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    /** Runs {@code sgdisk -v} and fails unless it finds no problems and warns about nothing. */
    static String assertSgdiskAccepts(Path image) {
        ReferenceTools.Result r = ReferenceTools.run("sgdisk", "-v", image.toString());
        String all = r.stdout() + r.stderr();
        if (r.exit() != 0 || !r.stdout().contains("No problems found") || all.contains("Warning")
                || all.contains("Problem") || all.contains("invalid") || all.contains("corrupt")) {
            throw new AssertionError("sgdisk -v does not accept " + image + ":\n" + r.describe());
        }
        return r.stdout();
    }

    /**
     * Runs {@code sgdisk -v} and fails on problems or CRC trouble, allowing the warnings sgdisk gives
     * for unusual but valid layouts it made itself (a gap before the main array).
     */
    static void assertSgdiskFindsNoProblems(Path image) {
        ReferenceTools.Result r = ReferenceTools.run("sgdisk", "-v", image.toString());
        String all = r.stdout() + r.stderr();
        if (r.exit() != 0 || !r.stdout().contains("No problems found") || all.contains("Problem")
                || all.contains("CRC") || all.contains("corrupt")) {
            throw new AssertionError("sgdisk -v finds problems in " + image + ":\n" + r.describe());
        }
    }

    /** sgdisk with arguments, asserted to succeed. */
    static String sgdisk(Path image, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("sgdisk");
        cmd.addAll(List.of(args));
        cmd.add(image.toString());
        return ReferenceTools.runOk(cmd.toArray(String[]::new)).stdout();
    }
}
