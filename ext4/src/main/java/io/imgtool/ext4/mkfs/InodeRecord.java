package io.imgtool.ext4.mkfs;

import io.imgtool.ext4.ondisk.Inode;
import io.imgtool.ext4.ondisk.Le;

/**
 * Builds one raw inode (field offsets from Documentation/filesystems/ext4/inodes.rst): mode, owner,
 * size, the four timestamps with nanoseconds and epoch bits, link count, block count, flags,
 * i_block, extended attribute block, and the in-inode extra fields.
 */
final class InodeRecord {

    /** i_extra_isize written in inodes of 160 bytes or more (every extra field up to i_projid). */
    static final int EXTRA_ISIZE = 32;

    final byte[] raw;

    InodeRecord(int inodeSize) {
        raw = new byte[inodeSize];
        if (inodeSize >= Inode.GOOD_OLD_SIZE + EXTRA_ISIZE) {
            Le.put16(raw, 0x80, EXTRA_ISIZE);
        }
    }

    boolean large() {
        return raw.length >= Inode.GOOD_OLD_SIZE + EXTRA_ISIZE;
    }

    InodeRecord mode(int mode) {
        Le.put16(raw, 0x0, mode);
        return this;
    }

    InodeRecord owner(long uid, long gid) {
        Le.put16(raw, 0x2, (int) uid);
        Le.put16(raw, 0x78, (int) (uid >>> 16));
        Le.put16(raw, 0x18, (int) gid);
        Le.put16(raw, 0x7A, (int) (gid >>> 16));
        return this;
    }

    InodeRecord size(long size) {
        Le.put32(raw, 0x4, size);
        Le.put32(raw, 0x6C, size >>> 32);
        return this;
    }

    InodeRecord links(int n) {
        Le.put16(raw, 0x1A, n);
        return this;
    }

    /** i_blocks from a count of 512-byte sectors (huge_file's high 16 bits included). */
    InodeRecord sectors(long n) {
        Le.put32(raw, 0x1C, n);
        Le.put16(raw, 0x74, (int) (n >>> 32));
        return this;
    }

    InodeRecord flags(int flags) {
        Le.put32(raw, 0x20, flags & 0xFFFFFFFFL);
        return this;
    }

    InodeRecord fileAcl(long block) {
        Le.put32(raw, 0x68, block);
        Le.put16(raw, 0x76, (int) (block >>> 32));
        return this;
    }

    InodeRecord blockArea(byte[] area) {
        System.arraycopy(area, 0, raw, Inode.BLOCK_OFFSET, Math.min(area.length, Inode.BLOCK_SIZE));
        return this;
    }

    /** A character or block device number, in the old encoding when it fits, else the new one (as Linux). */
    InodeRecord device(int major, int minor) {
        if (major < 256 && minor < 256) {
            Le.put32(raw, Inode.BLOCK_OFFSET, (long) major << 8 | minor);
        } else {
            long v = (minor & 0xffL) | ((long) (major & 0xfff) << 8) | ((long) (minor & ~0xff) << 12);
            Le.put32(raw, Inode.BLOCK_OFFSET + 4, v);
        }
        return this;
    }

    /** Clamps a time to what ext4 can hold: 1901-12-13 .. 2446-05-10 with extra fields, else 32 bits. */
    private long clamp(long sec) {
        long min = Integer.MIN_VALUE;
        long max = large() ? (3L << 32) + Integer.MAX_VALUE : Integer.MAX_VALUE;
        return Math.max(min, Math.min(max, sec));
    }

    private void time(int off, int extraOff, long sec, int nanos) {
        long s = clamp(sec);
        int lo = (int) s;
        Le.put32(raw, off, lo & 0xFFFFFFFFL);
        if (extraOff > 0 && large()) {
            long epoch = (s - lo) >> 32;
            Le.put32(raw, extraOff, ((long) nanos << 2) | (epoch & 3));
        }
    }

    InodeRecord atime(long sec, int ns) {
        time(0x8, 0x8C, sec, ns);
        return this;
    }

    InodeRecord ctime(long sec, int ns) {
        time(0xC, 0x84, sec, ns);
        return this;
    }

    InodeRecord mtime(long sec, int ns) {
        time(0x10, 0x88, sec, ns);
        return this;
    }

    InodeRecord crtime(long sec, int ns) {
        if (large()) {
            time(0x90, 0x94, sec, ns);
        }
        return this;
    }

    /** All four times the same (special inodes, lost+found). */
    InodeRecord times(long sec) {
        return atime(sec, 0).ctime(sec, 0).mtime(sec, 0).crtime(sec, 0);
    }

    /** Offset of the in-inode extended attribute area, or -1 (128-byte inodes). */
    int xattrArea() {
        return large() ? Inode.GOOD_OLD_SIZE + EXTRA_ISIZE : -1;
    }
}
