package io.imgtool.publish;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link ArtifactVerifier} found.
 *
 * @param sumsFile the sums (or other signed) file
 * @param signatureFile where the signature was: the clearsigned file itself, a detached file, or null
 *                      when none was checked
 * @param signature the verdict on the signature, or null when verification was asked without one
 * @param files one entry per line of the sums file when files were checked, else empty
 * @param problem why the sums file could not be used (malformed), or null
 */
public record VerifyReport(Path sumsFile, Path signatureFile, SignatureCheck signature, List<FileCheck> files,
                           String problem) {

    public VerifyReport {
        files = List.copyOf(files);
    }

    /** Everything checked is fine: the signature (when required) is good, every file matches. */
    public boolean ok() {
        return problem == null && (signature == null || signature.ok()) && files.stream().allMatch(FileCheck::ok);
    }
}
