package io.imgtool.ext4.mkfs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the extended attributes of each source file come from. Java's file API shows only the
 * {@code user.*} namespace of a host file ({@code UserDefinedFileAttributeView}); {@code security.*}
 * (SELinux labels, file capabilities), {@code trusted.*} and POSIX ACLs ({@code system.posix_acl_*})
 * are out of its reach, and jimfs holds no extended attributes at all. Callers who have them (from
 * {@code getfattr -d -m -}, a manifest, a tar archive) supply them per path with their own source.
 *
 * <p>Names are full names ("user.comment", "security.capability", "system.posix_acl_access"); ACL
 * values are in the form {@code getxattr(2)} returns (version 2); they are stored in ext4's compact
 * form. A scan reads the children of a big directory in parallel: implementations must be safe
 * to call from several threads.
 */
@FunctionalInterface
public interface XattrSource {

    /**
     * The attributes of {@code file} (never following a symbolic link).
     *
     * @param file the file in the source tree
     * @param relative its path relative to the source root ("" for the root itself, "etc/passwd")
     */
    Map<String, byte[]> read(Path file, String relative) throws IOException;

    /** No extended attributes. */
    static XattrSource none() {
        return (file, relative) -> Map.of();
    }

    /**
     * What the source filesystem shows: every namespace when it is an imgtool ext4 filesystem, the
     * {@code user.*} namespace through {@code UserDefinedFileAttributeView} elsewhere (host files),
     * nothing where that view is missing (jimfs).
     */
    static XattrSource fromFileSystem() {
        return SourceTree::defaultXattrs;
    }

    /** The attributes of this source, then those of {@code other} (which win on equal names). */
    default XattrSource and(XattrSource other) {
        return (file, relative) -> {
            Map<String, byte[]> a = read(file, relative);
            Map<String, byte[]> b = other.read(file, relative);
            if (b.isEmpty()) {
                return a;
            }
            java.util.Map<String, byte[]> m = new java.util.TreeMap<>(a);
            m.putAll(b);
            return m;
        };
    }
}
