package io.imgtool.ext4.ondisk;

import io.imgtool.core.ImageFormatException;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * An inode: 128 bytes, or {@code s_inode_size} with the extra fields after byte 128 (i_extra_isize
 * says how many of them are present). Raw-backed: the whole on-disk record is kept, so in-inode
 * extended attributes and unknown fields survive {@link #writeTo}.
 */
public final class Inode {

    public static final int GOOD_OLD_SIZE = 128;
    /** i_block: 15 32-bit words. */
    public static final int BLOCK_OFFSET = 0x28;
    public static final int BLOCK_SIZE = 60;
    public static final int CHECKSUM_LO_OFFSET = 0x7C;
    public static final int CHECKSUM_HI_OFFSET = 0x82;

    // i_mode file types
    public static final int S_IFMT = 0xF000;
    public static final int S_IFSOCK = 0xC000;
    public static final int S_IFLNK = 0xA000;
    public static final int S_IFREG = 0x8000;
    public static final int S_IFBLK = 0x6000;
    public static final int S_IFDIR = 0x4000;
    public static final int S_IFCHR = 0x2000;
    public static final int S_IFIFO = 0x1000;

    // i_flags
    public static final int FL_SECRM = 0x1;
    public static final int FL_UNRM = 0x2;
    public static final int FL_COMPR = 0x4;
    public static final int FL_SYNC = 0x8;
    public static final int FL_IMMUTABLE = 0x10;
    public static final int FL_APPEND = 0x20;
    public static final int FL_NODUMP = 0x40;
    public static final int FL_NOATIME = 0x80;
    public static final int FL_ENCRYPT = 0x800;
    public static final int FL_INDEX = 0x1000;
    public static final int FL_IMAGIC = 0x2000;
    public static final int FL_JOURNAL_DATA = 0x4000;
    public static final int FL_NOTAIL = 0x8000;
    public static final int FL_DIRSYNC = 0x10000;
    public static final int FL_TOPDIR = 0x20000;
    public static final int FL_HUGE_FILE = 0x40000;
    public static final int FL_EXTENTS = 0x80000;
    public static final int FL_VERITY = 0x100000;
    public static final int FL_EA_INODE = 0x200000;
    public static final int FL_DAX = 0x2000000;
    public static final int FL_INLINE_DATA = 0x10000000;
    public static final int FL_PROJINHERIT = 0x20000000;
    public static final int FL_CASEFOLD = 0x40000000;

    private final byte[] raw;

    private Inode(byte[] raw) {
        this.raw = raw;
    }

    /**
     * Copies {@code inodeSize} bytes from {@code src}'s position (not moved) and checks i_extra_isize.
     *
     * @param where names the inode in errors ("ext4 inode 12")
     * @param offset the inode's byte offset in the device, for errors
     */
    public static Inode parse(ByteBuffer src, int inodeSize, String where, long offset) throws ImageFormatException {
        if (src.remaining() < inodeSize) {
            throw new ImageFormatException(where, offset, "truncated inode");
        }
        byte[] b = new byte[inodeSize];
        src.get(src.position(), b);
        Inode inode = new Inode(b);
        if (inodeSize > GOOD_OLD_SIZE) {
            int extra = inode.extraIsize();
            if (GOOD_OLD_SIZE + extra > inodeSize || (extra & 3) != 0) {
                throw new ImageFormatException(where, "i_extra_isize", offset + 0x80, extra,
                        "must be a multiple of 4 within the " + inodeSize + "-byte inode");
            }
        }
        return inode;
    }

    /** An inode from raw bytes (a copy is kept); no validation. */
    public static Inode of(byte[] bytes) {
        return new Inode(bytes.clone());
    }

    public void writeTo(ByteBuffer dst) {
        dst.put(dst.position(), raw);
    }

    public byte[] toBytes() {
        return raw.clone();
    }

    byte[] raw() {
        return raw;
    }

    public int size() {
        return raw.length;
    }

    /** Whether the extra field at {@code off} (length {@code len}) is present per i_extra_isize. */
    public boolean hasExtraField(int off, int len) {
        return raw.length > GOOD_OLD_SIZE && GOOD_OLD_SIZE + extraIsize() >= off + len;
    }

    // ---- mode, owner, size -----------------------------------------------------------------------

    public int mode() {
        return Le.u16(raw, 0x0);
    }

    public int fileType() {
        return mode() & S_IFMT;
    }

    public boolean isDirectory() {
        return fileType() == S_IFDIR;
    }

    public boolean isRegular() {
        return fileType() == S_IFREG;
    }

    public boolean isSymlink() {
        return fileType() == S_IFLNK;
    }

    public long uid() {
        return Le.u16(raw, 0x2) | (long) Le.u16(raw, 0x78) << 16;
    }

    public long gid() {
        return Le.u16(raw, 0x18) | (long) Le.u16(raw, 0x7A) << 16;
    }

    /** i_size_lo | i_size_high << 32. May exceed Long.MAX_VALUE on hostile input: callers bound it. */
    public long size64() {
        return Le.u32(raw, 0x4) | Le.u32(raw, 0x6C) << 32;
    }

    public int linksCount() {
        return Le.u16(raw, 0x1A);
    }

    public int flags() {
        return Le.i32(raw, 0x20);
    }

    public boolean hasFlag(int flag) {
        return (flags() & flag) != 0;
    }

    public long osd1() {
        return Le.u32(raw, 0x24);
    }

    public long generation() {
        return Le.u32(raw, 0x64);
    }

    /** i_file_acl: the extended attribute block (48 bits). */
    public long fileAcl() {
        return Le.u32(raw, 0x68) | (long) Le.u16(raw, 0x76) << 32;
    }

    /**
     * Allocated space in 512-byte units: i_blocks_lo, with huge_file also l_i_blocks_high, and in
     * filesystem blocks when the inode has the HUGE_FILE flag.
     */
    public long blocks512(boolean hugeFileFeature, int blockSize) {
        long v = Le.u32(raw, 0x1C);
        if (hugeFileFeature) {
            v |= (long) Le.u16(raw, 0x74) << 32;
            if (hasFlag(FL_HUGE_FILE)) {
                v *= blockSize / 512;
            }
        }
        return v;
    }

    /** i_block as raw bytes (60): extent root, block map, fast symlink text or inline data. */
    public byte[] blockArea() {
        byte[] b = new byte[BLOCK_SIZE];
        System.arraycopy(raw, BLOCK_OFFSET, b, 0, BLOCK_SIZE);
        return b;
    }

    /** i_block[index] as an unsigned 32-bit number. */
    public long blockWord(int index) {
        return Le.u32(raw, BLOCK_OFFSET + 4 * index);
    }

    /** Device number of a character or block device, as (major, minor). */
    public int[] device() {
        long w0 = blockWord(0);
        if (w0 != 0) { // old encoding: 8-bit major, 8-bit minor
            return new int[] {(int) (w0 >> 8) & 0xff, (int) w0 & 0xff};
        }
        long w1 = blockWord(1); // new encoding: minor low 8, major 12, minor high
        return new int[] {(int) ((w1 & 0xfff00) >> 8), (int) ((w1 & 0xff) | ((w1 >> 12) & 0xfff00))};
    }

    public int extraIsize() {
        return raw.length > GOOD_OLD_SIZE ? Le.u16(raw, 0x80) : 0;
    }

    public long projectId() {
        return hasExtraField(0x9C, 4) ? Le.u32(raw, 0x9C) : 0;
    }

    public long version() {
        long lo = osd1();
        return hasExtraField(0x98, 4) ? lo | Le.u32(raw, 0x98) << 32 : lo;
    }

    // ---- timestamps -------------------------------------------------------------------------------

    /**
     * Decodes a timestamp: the 32-bit field is signed seconds; the extra word, when present, holds
     * two epoch bits (added above bit 31) and 30 bits of nanoseconds.
     */
    public static Instant decodeTime(int seconds, long extra, boolean hasExtra) {
        long sec = seconds;
        long nanos = 0;
        if (hasExtra) {
            sec += (extra & 3) << 32;
            nanos = (extra & 0xffffffffL) >>> 2;
            if (nanos > 999_999_999) {
                nanos = 999_999_999; // out-of-range nanoseconds: clamp as the kernel does
            }
        }
        return Instant.ofEpochSecond(sec, nanos);
    }

    private Instant time(int off, int extraOff) {
        boolean has = extraOff > 0 && hasExtraField(extraOff, 4);
        return decodeTime(Le.i32(raw, off), has ? Le.u32(raw, extraOff) : 0, has);
    }

    public Instant atime() {
        return time(0x8, 0x8C);
    }

    public Instant ctime() {
        return time(0xC, 0x84);
    }

    public Instant mtime() {
        return time(0x10, 0x88);
    }

    /** Creation time, or null when the inode has no room for it. */
    public Instant crtime() {
        return hasExtraField(0x90, 4) ? time(0x90, 0x94) : null;
    }

    public long dtime() {
        return Le.u32(raw, 0x14);
    }

    // ---- checksum ---------------------------------------------------------------------------------

    /** Whether i_checksum_hi exists (large inode whose extra_isize covers it). */
    public boolean hasChecksumHi() {
        return hasExtraField(CHECKSUM_HI_OFFSET, 2);
    }

    public long checksum() {
        long lo = Le.u16(raw, CHECKSUM_LO_OFFSET);
        return hasChecksumHi() ? lo | (long) Le.u16(raw, CHECKSUM_HI_OFFSET) << 16 : lo;
    }

    public void setChecksum(long crc) {
        Le.put16(raw, CHECKSUM_LO_OFFSET, (int) crc);
        if (hasChecksumHi()) {
            Le.put16(raw, CHECKSUM_HI_OFFSET, (int) (crc >>> 16));
        }
    }

    /** Whether the first 128 bytes are all zero (an inode never written). */
    public boolean isZero() {
        for (int i = 0; i < GOOD_OLD_SIZE; i++) {
            if (raw[i] != 0) {
                return false;
            }
        }
        return true;
    }

    // ---- in-inode extended attribute area ---------------------------------------------------------

    /** Offset of the in-inode xattr area (after the extra fields), or -1 if there is none. */
    public int xattrAreaOffset() {
        if (raw.length <= GOOD_OLD_SIZE) {
            return -1;
        }
        int off = GOOD_OLD_SIZE + extraIsize();
        return off + 4 <= raw.length ? off : -1;
    }

    /** Copies {@code [off, off+len)} of the raw inode. */
    public byte[] bytes(int off, int len) {
        byte[] b = new byte[len];
        System.arraycopy(raw, off, b, 0, len);
        return b;
    }

    // ---- writer (issue 5): setters write through to the raw bytes --------------------------------

    /** A new all-zero inode of {@code inodeSize} bytes. */
    public static Inode blank(int inodeSize) {
        return new Inode(new byte[inodeSize]);
    }

    /** A modifiable copy. */
    public Inode copy() {
        return new Inode(raw.clone());
    }

    public void setMode(int mode) {
        Le.put16(raw, 0x0, mode);
    }

    public void setUid(long uid) {
        Le.put16(raw, 0x2, (int) uid);
        Le.put16(raw, 0x78, (int) (uid >>> 16));
    }

    public void setGid(long gid) {
        Le.put16(raw, 0x18, (int) gid);
        Le.put16(raw, 0x7A, (int) (gid >>> 16));
    }

    public void setSize(long size) {
        Le.put32(raw, 0x4, size);
        Le.put32(raw, 0x6C, size >>> 32);
    }

    public void setLinksCount(int n) {
        Le.put16(raw, 0x1A, n);
    }

    public void setFlags(int flags) {
        Le.put32(raw, 0x20, flags);
    }

    public void setGeneration(long g) {
        Le.put32(raw, 0x64, g);
    }

    public void setDtime(long t) {
        Le.put32(raw, 0x14, t);
    }

    public void setFileAcl(long block) {
        Le.put32(raw, 0x68, block);
        Le.put16(raw, 0x76, (int) (block >>> 32));
    }

    public void setExtraIsize(int n) {
        if (raw.length > GOOD_OLD_SIZE) {
            Le.put16(raw, 0x80, n);
        }
    }

    /**
     * Sets the allocated space in 512-byte units (i_blocks_lo and, with huge_file, l_i_blocks_high).
     * Values that need the HUGE_FILE flag (2^48 sectors and more) are refused.
     */
    public void setBlocks512(long v, boolean hugeFileFeature) {
        long max = hugeFileFeature ? (1L << 48) - 1 : 0xffffffffL;
        if (v < 0 || v > max) {
            throw new IllegalArgumentException("i_blocks " + v + " out of range");
        }
        Le.put32(raw, 0x1C, v);
        if (hugeFileFeature) {
            Le.put16(raw, 0x74, (int) (v >>> 32));
        }
        setFlags(flags() & ~FL_HUGE_FILE);
    }

    /** Replaces i_block (60 bytes). */
    public void setBlockArea(byte[] b) {
        if (b.length != BLOCK_SIZE) {
            throw new IllegalArgumentException("i_block is 60 bytes");
        }
        System.arraycopy(b, 0, raw, BLOCK_OFFSET, BLOCK_SIZE);
    }

    public void setBlockWord(int index, long v) {
        Le.put32(raw, BLOCK_OFFSET + 4 * index, v);
    }

    /** Stores a device number in the new encoding (i_block[1]), as the kernel writes large numbers. */
    public void setDevice(int major, int minor) {
        setBlockWord(0, 0);
        setBlockWord(1, 0);
        setBlockWord(2, 0);
        if (major < 256 && minor < 256) {
            setBlockWord(0, (long) major << 8 | minor); // old encoding, what the kernel uses when it fits
        } else {
            setBlockWord(1, (minor & 0xff) | ((long) (major & 0xfff) << 8) | ((long) (minor & ~0xff) << 12));
        }
    }

    /** Encodes an instant: seconds (low 32 bits) and, when the inode has room, the extra word. */
    private void setTime(int off, int extraOff, Instant t) {
        long sec = t.getEpochSecond();
        Le.put32(raw, off, sec);
        if (extraOff > 0 && hasExtraField(extraOff, 4)) {
            long epoch = ((sec - (int) sec) >> 32) & 3;
            Le.put32(raw, extraOff, ((long) t.getNano() << 2) | epoch);
        }
    }

    public void setAtime(Instant t) {
        setTime(0x8, 0x8C, t);
    }

    public void setCtime(Instant t) {
        setTime(0xC, 0x84, t);
    }

    public void setMtime(Instant t) {
        setTime(0x10, 0x88, t);
    }

    /** Sets the creation time when the inode has room for it (no-op otherwise). */
    public void setCrtime(Instant t) {
        if (hasExtraField(0x90, 4)) {
            setTime(0x90, 0x94, t);
        }
    }

    /** Copies {@code b} into the raw inode at {@code off}. */
    public void putBytes(int off, byte[] b) {
        System.arraycopy(b, 0, raw, off, b.length);
    }
}
