package io.imgtool.ext4.write;

import java.nio.file.FileSystemException;

/** The filesystem has no free block or inode left for the operation (ENOSPC); nothing was changed. */
public final class NoSpaceException extends FileSystemException {

    private static final long serialVersionUID = 1L;

    public NoSpaceException(String file, String reason) {
        super(file, null, "No space left on device: " + reason);
    }
}
