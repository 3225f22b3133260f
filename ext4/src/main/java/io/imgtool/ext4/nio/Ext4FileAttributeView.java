package io.imgtool.ext4.nio;

import io.imgtool.ext4.FileExtent;
import java.io.IOException;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.List;

/**
 * The "ext4" attribute view: {@link Ext4FileAttributes} and the file's layout as data, unwritten
 * and hole extents. Attribute names for {@code Files.getAttribute(p, "ext4:inode")}: inode, mode, uid,
 * gid, nlink, size, blocks, atime, mtime, ctime, crtime, flags, generation, rdev, projid, plus the
 * basic and posix names.
 */
public interface Ext4FileAttributeView extends PosixFileAttributeView {

    @Override
    default String name() {
        return "ext4";
    }

    @Override
    Ext4FileAttributes readAttributes() throws IOException;

    /** The file's byte ranges from 0 to its size: data, unwritten (reads as zero), holes. */
    List<FileExtent> extents() throws IOException;
}
