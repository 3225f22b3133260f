package io.imgtool.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where a key's passphrase comes from: a file or an environment variable, never the command line. */
public final class Passphrases {

    @Option(names = "--passphrase-file", paramLabel = "FILE",
            description = "Read the key's passphrase from the first line of FILE.")
    Path file;

    @Option(names = "--passphrase-env", paramLabel = "VAR",
            description = "Take the key's passphrase from environment variable VAR.")
    String env;

    /** The passphrase, or null when none was given. */
    char[] get() throws IOException {
        if (file != null && env != null) {
            throw new IllegalArgumentException("give --passphrase-file or --passphrase-env, not both");
        }
        if (file != null) {
            String s = Files.readString(file, StandardCharsets.UTF_8);
            int nl = s.indexOf('\n');
            return (nl >= 0 ? s.substring(0, nl) : s).replace("\r", "").toCharArray();
        }
        if (env != null) {
            String v = System.getenv(env);
            if (v == null) {
                throw new IllegalArgumentException("environment variable " + env + " is not set");
            }
            return v.toCharArray();
        }
        return null;
    }
}
