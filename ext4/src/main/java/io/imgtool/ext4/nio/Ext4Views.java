package io.imgtool.ext4.nio;

import io.imgtool.core.ImageFormatException;
import io.imgtool.ext4.FileExtent;
import io.imgtool.ext4.internal.FileData;
import io.imgtool.ext4.internal.Resolver;
import io.imgtool.ext4.internal.Xattr;
import io.imgtool.ext4.ondisk.PosixAcl;
import io.imgtool.ext4.ondisk.VfsCapability;
import io.imgtool.ext4.ondisk.XattrNames;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The attribute views: basic/posix/owner/ext4 in one class, user-defined (user.*), and raw xattrs. */
final class Ext4Views {

    private Ext4Views() {
    }

    /** basic, posix, owner and ext4: reads resolve the path each time (views are lazy, as in the JDK). */
    static final class Attributes implements Ext4FileAttributeView {
        private final Ext4Path path;
        private final boolean follow;
        private final String name;

        Attributes(Ext4Path path, boolean follow, String name) {
            this.path = path;
            this.follow = follow;
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Ext4FileAttributes readAttributes() throws IOException {
            return path.getFileSystem().attributes(path, follow);
        }

        @Override
        public List<FileExtent> extents() throws IOException {
            Ext4FileSystem fs = path.getFileSystem();
            Resolver.Resolved r = fs.resolve(path, follow);
            if (!r.inode().isRegular() && !r.inode().isDirectory()) {
                return List.of();
            }
            return new FileData(fs.engine().fs, r.ino(), r.inode()).extents(0, Integer.MAX_VALUE);
        }

        @Override
        public UserPrincipal getOwner() throws IOException {
            return readAttributes().owner();
        }

        @Override
        public void setOwner(UserPrincipal owner) throws IOException {
            Ext4Writes.setOwner(path.getFileSystem(), path, follow, owner, null);
        }

        @Override
        public void setPermissions(Set<PosixFilePermission> perms) throws IOException {
            Ext4Writes.setPermissions(path.getFileSystem(), path, follow, perms);
        }

        @Override
        public void setGroup(GroupPrincipal group) throws IOException {
            Ext4Writes.setOwner(path.getFileSystem(), path, follow, null, group);
        }

        @Override
        public void setTimes(FileTime lastModifiedTime, FileTime lastAccessTime, FileTime createTime) throws IOException {
            Ext4Writes.setTimes(path.getFileSystem(), path, follow, lastModifiedTime, lastAccessTime, createTime);
        }
    }

    /** Decodes an attribute the way Linux's getxattr presents it (ACLs converted to the VFS encoding). */
    static byte[] vfsValue(Xattr x, String where) throws ImageFormatException {
        if (x.index() == XattrNames.POSIX_ACL_ACCESS || x.index() == XattrNames.POSIX_ACL_DEFAULT) {
            return PosixAcl.parse(x.value(), where).toVfs();
        }
        return x.value();
    }

    /** Whether the kernel lists an attribute (system.data and richacl have no handler; lustre is hidden). */
    static boolean visible(Xattr x) {
        return switch (x.index()) {
            case XattrNames.USER, XattrNames.TRUSTED, XattrNames.SECURITY, XattrNames.POSIX_ACL_ACCESS,
                 XattrNames.POSIX_ACL_DEFAULT -> true;
            default -> false;
        };
    }

    static final class Xattrs implements Ext4XattrView {
        private final Ext4Path path;
        private final boolean follow;

        Xattrs(Ext4Path path, boolean follow) {
            this.path = path;
            this.follow = follow;
        }

        private List<Xattr> all() throws IOException {
            return path.getFileSystem().xattrs(path, follow);
        }

        @Override
        public Map<String, byte[]> readAll() throws IOException {
            Map<String, byte[]> m = new LinkedHashMap<>();
            for (Xattr x : all()) {
                if (visible(x)) {
                    m.put(x.fullName(), vfsValue(x, "xattr " + x.fullName() + " of " + path));
                }
            }
            return m;
        }

        @Override
        public Map<String, byte[]> readAllRaw() throws IOException {
            Map<String, byte[]> m = new LinkedHashMap<>();
            for (Xattr x : all()) {
                m.put(x.fullName(), x.value());
            }
            return m;
        }

        private Optional<Xattr> find(int index, String suffix) throws IOException {
            for (Xattr x : all()) {
                if (x.index() == index && x.suffixString().equals(suffix)) {
                    return Optional.of(x);
                }
            }
            return Optional.empty();
        }

        @Override
        public Optional<PosixAcl> acl(boolean defaultAcl) throws IOException {
            Optional<Xattr> x = find(defaultAcl ? XattrNames.POSIX_ACL_DEFAULT : XattrNames.POSIX_ACL_ACCESS, "");
            if (x.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(PosixAcl.parse(x.get().value(), "ACL of " + path));
        }

        @Override
        public Optional<VfsCapability> capability() throws IOException {
            Optional<Xattr> x = find(XattrNames.SECURITY, "capability");
            if (x.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(VfsCapability.parse(x.get().value(), "security.capability of " + path));
        }

        private long ino() throws IOException {
            return path.getFileSystem().resolve(path, follow).ino();
        }

        @Override
        public void write(String fullName, byte[] value) throws IOException {
            Ext4FileSystem fs = path.getFileSystem();
            fs.locked(() -> {
                Ext4Writes.setXattr(fs.writer(), ino(), fullName, value, false);
                return null;
            });
        }

        @Override
        public void writeRaw(String fullName, byte[] value) throws IOException {
            Ext4FileSystem fs = path.getFileSystem();
            fs.locked(() -> {
                Ext4Writes.setXattr(fs.writer(), ino(), fullName, value, true);
                return null;
            });
        }

        @Override
        public void delete(String fullName) throws IOException {
            Ext4FileSystem fs = path.getFileSystem();
            fs.locked(() -> {
                Ext4Writes.setXattr(fs.writer(), ino(), fullName, null, true);
                return null;
            });
        }

        @Override
        public Optional<String> selinuxLabel() throws IOException {
            return find(XattrNames.SECURITY, "selinux").map(x -> {
                byte[] v = x.value();
                int n = v.length;
                while (n > 0 && v[n - 1] == 0) {
                    n--;
                }
                return new String(v, 0, n, StandardCharsets.UTF_8);
            });
        }
    }

    /** user.* attributes, names without the prefix. */
    static final class User implements UserDefinedFileAttributeView {
        private final Ext4Path path;
        private final boolean follow;

        User(Ext4Path path, boolean follow) {
            this.path = path;
            this.follow = follow;
        }

        @Override
        public String name() {
            return "user";
        }

        private Optional<Xattr> find(String name) throws IOException {
            for (Xattr x : path.getFileSystem().xattrs(path, follow)) {
                if (x.index() == XattrNames.USER && x.suffixString().equals(name)) {
                    return Optional.of(x);
                }
            }
            return Optional.empty();
        }

        @Override
        public List<String> list() throws IOException {
            List<String> out = new ArrayList<>();
            for (Xattr x : path.getFileSystem().xattrs(path, follow)) {
                if (x.index() == XattrNames.USER) {
                    out.add(x.suffixString());
                }
            }
            return out;
        }

        @Override
        public int size(String name) throws IOException {
            return find(name).orElseThrow(() -> noAttr(name)).value().length;
        }

        @Override
        public int read(String name, ByteBuffer dst) throws IOException {
            byte[] v = find(name).orElseThrow(() -> noAttr(name)).value();
            if (dst.remaining() < v.length) {
                throw new FileSystemException(path.toString(), null, "buffer too small for attribute user." + name);
            }
            dst.put(v);
            return v.length;
        }

        private FileSystemException noAttr(String name) {
            return new FileSystemException(path.toString(), null, "no such attribute: user." + name);
        }

        @Override
        public int write(String name, ByteBuffer src) throws IOException {
            int n = src.remaining();
            Ext4Writes.setAttribute(path.getFileSystem(), path, "user:" + name, src, follow);
            src.position(src.limit());
            return n;
        }

        @Override
        public void delete(String name) throws IOException {
            Ext4Writes.setAttribute(path.getFileSystem(), path, "user:" + name, null, follow);
        }
    }
}
