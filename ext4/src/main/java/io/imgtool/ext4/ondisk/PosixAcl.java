package io.imgtool.ext4.ondisk;

import io.imgtool.core.ImageFormatException;
import java.util.ArrayList;
import java.util.List;

/**
 * A POSIX access control list. ext4 stores {@code system.posix_acl_access/default} in its own compact
 * form (version 1; 4-byte entries for the owner, owning group, mask and other, 8-byte entries with
 * an id for named users and groups); user space sees the VFS form (version 2, every entry 8 bytes,
 * id 0xFFFFFFFF where there is none). Both are parsed; {@link #toVfs} gives what getxattr returns.
 */
public record PosixAcl(List<Entry> entries) {

    public static final int TAG_USER_OBJ = 0x01;
    public static final int TAG_USER = 0x02;
    public static final int TAG_GROUP_OBJ = 0x04;
    public static final int TAG_GROUP = 0x08;
    public static final int TAG_MASK = 0x10;
    public static final int TAG_OTHER = 0x20;
    public static final long UNDEFINED_ID = 0xFFFFFFFFL;

    public static final int EXT4_VERSION = 1;
    public static final int VFS_VERSION = 2;

    /** One entry: tag, id (named users/groups only, else {@link #UNDEFINED_ID}), permission bits rwx. */
    public record Entry(int tag, long id, int perm) {
    }

    public PosixAcl {
        entries = List.copyOf(entries);
    }

    private static boolean named(int tag) {
        return tag == TAG_USER || tag == TAG_GROUP;
    }

    /** Parses either form, by its version word. */
    public static PosixAcl parse(byte[] v, String where) throws ImageFormatException {
        if (v.length < 4) {
            throw new ImageFormatException(where, "ACL header", -1, v.length + " bytes", "shorter than its version");
        }
        long version = Le.u32(v, 0);
        List<Entry> out = new ArrayList<>();
        int off = 4;
        if (version == EXT4_VERSION) {
            while (off < v.length) {
                if (off + 4 > v.length) {
                    throw new ImageFormatException(where, "ACL entry", off, null, "truncated entry");
                }
                int tag = Le.u16(v, off);
                int perm = Le.u16(v, off + 2);
                if (named(tag)) {
                    if (off + 8 > v.length) {
                        throw new ImageFormatException(where, "ACL entry", off, null, "truncated named entry");
                    }
                    out.add(new Entry(tag, Le.u32(v, off + 4), perm));
                    off += 8;
                } else if (tag == TAG_USER_OBJ || tag == TAG_GROUP_OBJ || tag == TAG_MASK || tag == TAG_OTHER) {
                    out.add(new Entry(tag, UNDEFINED_ID, perm));
                    off += 4;
                } else {
                    throw new ImageFormatException(where, "e_tag", off, tag, "unknown ACL tag");
                }
            }
        } else if (version == VFS_VERSION) {
            if ((v.length - 4) % 8 != 0) {
                throw new ImageFormatException(where, "ACL", -1, v.length, "VFS ACL length not 4 + 8n");
            }
            for (; off < v.length; off += 8) {
                int tag = Le.u16(v, off);
                out.add(new Entry(tag, named(tag) ? Le.u32(v, off + 4) : UNDEFINED_ID, Le.u16(v, off + 2)));
            }
        } else {
            throw new ImageFormatException(where, "a_version", 0, version, "unknown ACL version");
        }
        return new PosixAcl(out);
    }

    /** The VFS (user-space) form: what {@code getfattr} and tar's {@code SCHILY.xattr} carry. */
    public byte[] toVfs() {
        byte[] b = new byte[4 + 8 * entries.size()];
        Le.put32(b, 0, VFS_VERSION);
        int off = 4;
        for (Entry e : entries) {
            Le.put16(b, off, e.tag);
            Le.put16(b, off + 2, e.perm);
            Le.put32(b, off + 4, named(e.tag) ? e.id : UNDEFINED_ID);
            off += 8;
        }
        return b;
    }

    /** The ext4 on-disk form. */
    public byte[] toDisk() {
        int size = 4;
        for (Entry e : entries) {
            size += named(e.tag) ? 8 : 4;
        }
        byte[] b = new byte[size];
        Le.put32(b, 0, EXT4_VERSION);
        int off = 4;
        for (Entry e : entries) {
            Le.put16(b, off, e.tag);
            Le.put16(b, off + 2, e.perm);
            if (named(e.tag)) {
                Le.put32(b, off + 4, e.id);
                off += 8;
            } else {
                off += 4;
            }
        }
        return b;
    }

    /** The short text form of {@code getfacl -c}/{@code setfacl}: "user::rw-,user:1000:r--,group::r--,mask::r--,other::---". */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        for (Entry e : entries) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            String tag = switch (e.tag) {
                case TAG_USER_OBJ, TAG_USER -> "user";
                case TAG_GROUP_OBJ, TAG_GROUP -> "group";
                case TAG_MASK -> "mask";
                case TAG_OTHER -> "other";
                default -> "tag" + e.tag;
            };
            sb.append(tag).append(':').append(named(e.tag) ? Long.toString(e.id) : "").append(':')
                    .append((e.perm & 4) != 0 ? 'r' : '-').append((e.perm & 2) != 0 ? 'w' : '-')
                    .append((e.perm & 1) != 0 ? 'x' : '-');
        }
        return sb.toString();
    }
}
