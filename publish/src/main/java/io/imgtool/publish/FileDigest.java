package io.imgtool.publish;

import java.nio.file.Path;

/**
 * The digest of one file.
 *
 * @param file the file that was read
 * @param name the name written into a sums file (by default the file's base name)
 * @param algorithm the digest algorithm
 * @param digest lowercase hex
 * @param size bytes read
 */
public record FileDigest(Path file, String name, HashAlgorithm algorithm, String digest, long size) {

    /** This digest as a sums-file line (binary marker as asked). */
    public SumsEntry toEntry(boolean binary) {
        return new SumsEntry(algorithm, digest, name, binary);
    }
}
