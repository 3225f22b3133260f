package io.imgtool.qemu.internal;

import io.imgtool.qemu.QemuNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the programs imgtool starts: an explicit path, else the first match on PATH. */
public final class Executables {

    private Executables() {
    }

    /**
     * Resolves {@code program}.
     *
     * @param explicit a path the user gave (--qemu), or null to search {@code pathVariable}
     * @param pathVariable the PATH to search (colon-separated), or null for none
     * @throws QemuNotFoundException naming the Debian package when nothing executable is found
     */
    public static Path find(String program, String debianPackage, Path explicit, String pathVariable)
            throws QemuNotFoundException {
        if (explicit != null) {
            if (!Files.exists(explicit)) {
                throw new QemuNotFoundException(program, debianPackage, explicit + " does not exist");
            }
            if (!Files.isRegularFile(explicit) || !Files.isExecutable(explicit)) {
                throw new QemuNotFoundException(program, debianPackage, explicit + " is not an executable file");
            }
            return explicit;
        }
        if (pathVariable != null) {
            for (String dir : pathVariable.split(":")) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path p = Path.of(dir, program);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        throw new QemuNotFoundException(program, debianPackage, "not on PATH");
    }
}
