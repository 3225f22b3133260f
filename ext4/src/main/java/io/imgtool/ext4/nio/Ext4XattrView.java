package io.imgtool.ext4.nio;

import io.imgtool.ext4.ondisk.PosixAcl;
import io.imgtool.ext4.ondisk.VfsCapability;
import java.io.IOException;
import java.nio.file.attribute.FileAttributeView;
import java.util.Map;
import java.util.Optional;

/**
 * The "xattr" view: extended attributes of every namespace (user, trusted, security, system), decoded.
 * Keys are full names ("security.selinux", "system.posix_acl_access").
 */
public interface Ext4XattrView extends FileAttributeView {

    @Override
    default String name() {
        return "xattr";
    }

    /**
     * The attributes as Linux's getxattr shows them: POSIX ACLs in the VFS (user-space) encoding,
     * inline-data bookkeeping ({@code system.data}) hidden. This is what tar's SCHILY.xattr carries.
     */
    Map<String, byte[]> readAll() throws IOException;

    /** The attributes exactly as stored: every namespace, ext4's own ACL encoding, system.data included. */
    Map<String, byte[]> readAllRaw() throws IOException;

    /** The access ACL ({@code defaultAcl} false) or a directory's default ACL, if set. */
    Optional<PosixAcl> acl(boolean defaultAcl) throws IOException;

    /** File capabilities ({@code security.capability}), if set. */
    Optional<VfsCapability> capability() throws IOException;

    /** The SELinux label ({@code security.selinux}, without its trailing NUL), if set. */
    Optional<String> selinuxLabel() throws IOException;

    /**
     * Sets attribute {@code fullName} ("user.x", "security.selinux", "system.posix_acl_access") to
     * {@code value} as setxattr(2) takes it: POSIX ACLs in the VFS form, stored in ext4's form.
     */
    void write(String fullName, byte[] value) throws IOException;

    /** Sets an attribute to exactly {@code value} as stored on disk (no ACL conversion). */
    void writeRaw(String fullName, byte[] value) throws IOException;

    /** Removes an attribute; a missing one is a {@link java.nio.file.FileSystemException}. */
    void delete(String fullName) throws IOException;
}
