package io.imgtool.ext4.nio;

import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Optional;

/**
 * Everything an ext4 inode says about a file: the POSIX attributes plus the inode number, numeric
 * owner, full mode (with setuid, setgid, sticky and the file type), link count, the four timestamps
 * with nanoseconds, inode flags and generation.
 *
 * <pre>{@code Ext4FileAttributes a = Files.readAttributes(path, Ext4FileAttributes.class, NOFOLLOW_LINKS);}</pre>
 */
public interface Ext4FileAttributes extends PosixFileAttributes {

    /** The inode number. */
    long inode();

    /** st_mode: file type and permission bits (07777). */
    int mode();

    long uid();

    long gid();

    /** Hard link count. */
    int linkCount();

    /** Inode change time (ctime). */
    FileTime changeTime();

    /** Creation time (crtime), when the inode is large enough to hold it. */
    Optional<FileTime> birthTime();

    /** i_flags (EXT4_*_FL: immutable, append-only, extents, inline data, encrypt, casefold...). */
    int flags();

    /** i_generation. */
    long generation();

    /** Allocated space in 512-byte units, as st_blocks. */
    long blocks();

    /** Device number of a character or block device: major. */
    int deviceMajor();

    /** Device number of a character or block device: minor. */
    int deviceMinor();

    long projectId();

    /** Whether the file's contents (and for a directory, its names) are encrypted (fscrypt). */
    boolean isEncrypted();

    /** Whether the directory looks names up case-insensitively (casefold). */
    boolean isCasefolded();

    /** Whether the content lives in the inode (inline_data). */
    boolean isInline();

    boolean isFifo();

    boolean isSocket();

    boolean isCharacterDevice();

    boolean isBlockDevice();
}
