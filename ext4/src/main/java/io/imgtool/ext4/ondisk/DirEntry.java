package io.imgtool.ext4.ondisk;

import java.util.Arrays;

/**
 * A directory entry (ext4_dir_entry_2): inode, record length, name length, file type, name. Without
 * the filetype feature the type byte is the high byte of a 16-bit name length (always 0 in practice,
 * since names are at most 255 bytes).
 */
public record DirEntry(long inode, int recLen, int nameLen, int fileType, byte[] name) {

    /** Header bytes before the name. */
    public static final int HEADER = 8;
    public static final int MAX_NAME = 255;

    // file_type values
    public static final int FT_UNKNOWN = 0;
    public static final int FT_REG_FILE = 1;
    public static final int FT_DIR = 2;
    public static final int FT_CHRDEV = 3;
    public static final int FT_BLKDEV = 4;
    public static final int FT_FIFO = 5;
    public static final int FT_SOCK = 6;
    public static final int FT_SYMLINK = 7;
    /** The file type byte of a checksum tail entry. */
    public static final int FT_DIR_CSUM = 0xDE;

    /** Raw record length of the entry at {@code off} (16-bit field, not yet decoded). */
    public static int rawRecLen(byte[] b, int off) {
        return Le.u16(b, off + 4);
    }

    /**
     * Decodes a rec_len field as e2fsprogs' ext2fs_get_rec_len does: with 64 KiB blocks, 0 and 65535
     * mean a whole block and the two low bits carry bits 16-17.
     */
    public static int decodeRecLen(int raw, int blockSize) {
        if (blockSize < 65536) {
            return raw;
        }
        if (raw == 65535 || raw == 0) {
            return blockSize;
        }
        return (raw & 65532) | ((raw & 3) << 16);
    }

    /** The inverse of {@link #decodeRecLen}. */
    public static int encodeRecLen(int len, int blockSize) {
        if (blockSize < 65536) {
            return len;
        }
        if (len == 65536) {
            return 65535;
        }
        return (len & 65532) | ((len >> 16) & 3);
    }

    /** Smallest record that holds a name of {@code nameLen} bytes (header + name, rounded to 4). */
    public static int minRecLen(int nameLen) {
        return (HEADER + nameLen + 3) & ~3;
    }

    /**
     * Parses the entry at {@code off}. The caller has checked that 8 header bytes fit; the name is
     * copied only as far as it fits in {@code b} (the caller validates recLen and nameLen).
     */
    public static DirEntry parse(byte[] b, int off, int blockSize, boolean filetype) {
        long ino = Le.u32(b, off);
        int recLen = decodeRecLen(Le.u16(b, off + 4), blockSize);
        int nameLen = filetype ? Le.u8(b, off + 6) : Le.u16(b, off + 6);
        int type = filetype ? Le.u8(b, off + 7) : FT_UNKNOWN;
        int n = Math.max(0, Math.min(nameLen, b.length - off - HEADER));
        return new DirEntry(ino, recLen, nameLen, type, Arrays.copyOfRange(b, off + HEADER, off + HEADER + n));
    }

    public void writeTo(byte[] b, int off, int blockSize) {
        Le.put32(b, off, inode);
        Le.put16(b, off + 4, encodeRecLen(recLen, blockSize));
        Le.put8(b, off + 6, nameLen);
        Le.put8(b, off + 7, fileType);
        System.arraycopy(name, 0, b, off + HEADER, name.length);
    }

    /** Whether this is "." or "..". */
    public boolean isDotOrDotDot() {
        return (nameLen == 1 && name.length == 1 && name[0] == '.')
                || (nameLen == 2 && name.length == 2 && name[0] == '.' && name[1] == '.');
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DirEntry d && d.inode == inode && d.recLen == recLen && d.nameLen == nameLen
                && d.fileType == fileType && Arrays.equals(d.name, name);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(inode) * 31 + Arrays.hashCode(name);
    }

    @Override
    public String toString() {
        return "DirEntry[inode=" + inode + ", recLen=" + recLen + ", nameLen=" + nameLen + ", fileType=" + fileType
                + ", name=" + new String(name, java.nio.charset.StandardCharsets.UTF_8) + "]";
    }
}
