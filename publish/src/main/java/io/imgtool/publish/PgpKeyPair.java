package io.imgtool.publish;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;

/**
 * A signing key made by {@link PgpKeyGenerator}.
 *
 * @param secretKey the armored transferable secret key ({@code gpg --import} reads it)
 * @param publicKey the armored transferable public key, to hand to verifiers
 * @param fingerprint the primary key's fingerprint, 40 uppercase hex digits
 * @param userId the user ID bound to the key ("Name &lt;email&gt;")
 * @param algorithm the key algorithm
 * @param created the key's creation time
 */
public record PgpKeyPair(String secretKey, String publicKey, String fingerprint, String userId,
                         PgpKeyGenerator.Algorithm algorithm, Instant created) {

    /** The 16-digit key ID (the fingerprint's last eight bytes). */
    public String keyId() {
        return fingerprint.substring(24);
    }

    /**
     * Writes {@code PREFIX.secret.asc} (mode 0600 where the file system has POSIX permissions) and
     * {@code PREFIX.public.asc}; refuses to overwrite either.
     */
    public KeyFiles write(Path prefix) throws IOException {
        Path secret = prefix.resolveSibling(prefix.getFileName() + ".secret.asc");
        Path pub = prefix.resolveSibling(prefix.getFileName() + ".public.asc");
        for (Path p : new Path[] {secret, pub}) {
            if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(p.toString());
            }
        }
        if (secret.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(secret, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(secret);
        }
        Files.writeString(secret, secretKey, StandardCharsets.US_ASCII);
        Files.writeString(pub, publicKey, StandardCharsets.US_ASCII, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE);
        return new KeyFiles(secret, pub);
    }

    /** Where {@link #write} put the two keys. */
    public record KeyFiles(Path secretKey, Path publicKey) {
    }
}
