package io.imgtool.qemu;

import io.imgtool.testdata.ReferenceTools;
import java.nio.file.Path;

/** Reference tools of this module's tests, with the Debian package that provides each. */
public final class Tools {

    private Tools() {
    }

    /**
     * Like {@link ReferenceTools#require}, and names the package when the tool is missing (the shared
     * table there does not list the ISO tools).
     */
    public static Path require(String tool, String debianPackage) {
        Path p = ReferenceTools.find(tool);
        if (p == null) {
            System.err.println("\n*** " + tool + " is missing: apt-get install " + debianPackage + " ***\n");
        }
        return ReferenceTools.require(tool);
    }
}
