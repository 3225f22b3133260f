package io.imgtool.publish;

import io.imgtool.testdata.ReferenceTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** GnuPG in a throw-away home directory, for cross-checks. Close it to stop its agent. */
final class Gpg implements AutoCloseable {

    final Path home;

    Gpg(Path dir) throws IOException {
        ReferenceTools.require("gpg");
        home = dir.resolve("gnupg");
        Files.createDirectories(home);
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
    }

    ReferenceTools.Result run(String... args) {
        List<String> cmd = new ArrayList<>(List.of("gpg", "--homedir", home.toString(), "--batch", "--no-tty",
                "--pinentry-mode", "loopback", "--passphrase", "", "--no-auto-key-locate"));
        cmd.addAll(List.of(args));
        return ReferenceTools.run(Duration.ofMinutes(2), null, cmd.toArray(String[]::new));
    }

    ReferenceTools.Result runOk(String... args) {
        return run(args).assertOk();
    }

    /** Makes a key with gpg; returns its fingerprint. */
    String generate(String uid, String algo) {
        runOk("--quick-gen-key", uid, algo, "sign", "1y");
        String out = runOk("--with-colons", "--list-keys", uid).stdout();
        for (String line : out.split("\n")) {
            if (line.startsWith("fpr:")) {
                return line.split(":")[9];
            }
        }
        throw new AssertionError("no fingerprint in " + out);
    }

    @Override
    public void close() {
        ReferenceTools.run(Duration.ofSeconds(30), null, "gpgconf", "--homedir", home.toString(), "--kill", "all");
    }
}
