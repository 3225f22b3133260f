package io.imgtool.sysprep;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Overwrites the data of a regular file that sealing is about to remove, so that the bytes do not
 * survive in free blocks of the image. Called once per removed regular file, before the unlink,
 * only when scrubbing is enabled and never in a dry run.
 *
 * <p>The overwrite needs knowledge of the filesystem below the {@link Path}: which blocks the file
 * owns, whether another hard link still uses them (then they must be left alone), whether the file
 * is sparse. The ext4 engine provides the real implementation; {@link #NONE} only lets the report
 * say which files would be scrubbed.
 */
@FunctionalInterface
public interface ScrubHook {

    /** Records the files but overwrites nothing (no filesystem engine that can do it). */
    ScrubHook NONE = file -> false;

    /**
     * Overwrites the data blocks of {@code file} (a regular file, not a link) in place.
     *
     * @return true if the blocks were overwritten, false if this hook cannot do it for this file
     *     (for instance a file with other hard links)
     */
    boolean scrub(Path file) throws IOException;
}
