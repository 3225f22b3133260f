package io.imgtool.ext4.ondisk;

import java.util.Arrays;

/**
 * One extended attribute entry (in the inode body after the 4-byte magic, or in a block after the
 * 32-byte header): name length, name index (namespace), value offset, value inode (ea_inode),
 * value size, hash, then the name, padded to 4 bytes. A list ends at four zero bytes.
 */
public record XattrEntry(int nameLen, int nameIndex, int valueOffset, long valueInum, long valueSize, long hash,
                         byte[] name) {

    public static final int HEADER = 16;
    /** The in-inode area's magic (same value as the block header's). */
    public static final long IBODY_MAGIC = 0xEA020000L;

    /** Size of an entry with a name of {@code nameLen} bytes, padded to 4. */
    public static int entrySize(int nameLen) {
        return (HEADER + nameLen + 3) & ~3;
    }

    /** Values are padded to 4 bytes too. */
    public static int valueSpace(long size) {
        return (int) ((size + 3) & ~3L);
    }

    /** Whether the four bytes at {@code off} end the list. */
    public static boolean isLast(byte[] b, int off) {
        return Le.i32(b, off) == 0;
    }

    /** Parses the entry at {@code off}; the caller has checked that header and name fit. */
    public static XattrEntry parse(byte[] b, int off) {
        int nl = Le.u8(b, off);
        return new XattrEntry(nl, Le.u8(b, off + 1), Le.u16(b, off + 2), Le.u32(b, off + 4), Le.u32(b, off + 8),
                Le.u32(b, off + 12), Arrays.copyOfRange(b, off + HEADER, off + HEADER + nl));
    }

    public void writeTo(byte[] b, int off) {
        Le.put8(b, off, nameLen);
        Le.put8(b, off + 1, nameIndex);
        Le.put16(b, off + 2, valueOffset);
        Le.put32(b, off + 4, valueInum);
        Le.put32(b, off + 8, valueSize);
        Le.put32(b, off + 12, hash);
        System.arraycopy(name, 0, b, off + HEADER, name.length);
    }

    public int size() {
        return entrySize(nameLen);
    }

    /** The attribute's full name with its namespace prefix ("user.comment", "system.posix_acl_access"). */
    public String fullName() {
        return XattrNames.fullName(nameIndex, name);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof XattrEntry e && e.nameLen == nameLen && e.nameIndex == nameIndex
                && e.valueOffset == valueOffset && e.valueInum == valueInum && e.valueSize == valueSize
                && e.hash == hash && Arrays.equals(e.name, name);
    }

    @Override
    public int hashCode() {
        return nameIndex * 31 + Arrays.hashCode(name);
    }

    @Override
    public String toString() {
        return "XattrEntry[" + fullName() + ", offset=" + valueOffset + ", size=" + valueSize
                + (valueInum != 0 ? ", inode=" + valueInum : "") + "]";
    }
}
