package io.imgtool.ext4.internal;

import io.imgtool.core.ImageFormatException;
import io.imgtool.ext4.ondisk.Features;
import io.imgtool.ext4.ondisk.Inode;
import io.imgtool.ext4.ondisk.Le;
import io.imgtool.ext4.ondisk.XattrEntry;
import io.imgtool.ext4.ondisk.XattrHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an inode's extended attributes: the in-inode area after i_extra_isize, the attribute block
 * named by i_file_acl (shared between inodes, reference counted), and values stored in their own
 * inode (ea_inode). Every entry, name and value is bounds-checked against its region.
 */
public final class XattrReader {

    /** ext4's EXT4_XATTR_SIZE_MAX: the largest value even an ea_inode may hold. */
    public static final int MAX_VALUE = 1 << 24;

    private final FsContext fs;

    public XattrReader(FsContext fs) {
        this.fs = fs;
    }

    /** All attributes of the inode, in-inode ones first, in on-disk order. */
    public List<Xattr> read(long ino, Inode inode) throws IOException {
        List<Xattr> out = new ArrayList<>();
        int area = inode.xattrAreaOffset();
        if (area >= 0) {
            byte[] raw = inode.toBytes();
            if (Le.u32(raw, area) == XattrEntry.IBODY_MAGIC) {
                String where = "in-inode extended attributes of inode " + ino;
                long devOff = fs.inodeOffset(ino);
                parseEntries(raw, area + 4, raw.length, area + 4, out, Xattr.Where.INODE, where, devOff);
            }
        }
        long blk = inode.fileAcl();
        if (blk != 0) {
            readBlock(ino, blk, out);
        }
        return out;
    }

    /** Only the value of {@code system.data} (inline data beyond i_block), or an empty array. */
    public byte[] inlineDataTail(long ino, Inode inode) throws IOException {
        for (Xattr x : read(ino, inode)) {
            if (x.index() == io.imgtool.ext4.ondisk.XattrNames.SYSTEM && x.suffix().length == 4
                    && "data".equals(x.suffixString()) && x.where() == Xattr.Where.INODE) {
                return x.value();
            }
        }
        return new byte[0];
    }

    private void readBlock(long ino, long blk, List<Xattr> out) throws IOException {
        String where = "extended attribute block " + blk + " of inode " + ino;
        BlockCache.Entry e = fs.cache.entry(blk, where);
        byte[] b = e.data();
        long devOff = fs.blockOffset(blk);
        XattrHeader h = XattrHeader.parse(b);
        if (h.magic() != XattrHeader.MAGIC) {
            throw new ImageFormatException(where, "h_magic", devOff, String.format("0x%08x", h.magic()),
                    "not an extended attribute block (expected 0xea020000)");
        }
        if (h.blocks() != 1) {
            throw new ImageFormatException(where, "h_blocks", devOff + 8, h.blocks(), "must be 1");
        }
        if (!e.verified()) {
            if (!fs.csums.verifyXattrBlock(blk, b)) {
                fs.checksumMismatch(where, devOff, String.format("xattr block checksum 0x%08x, computed 0x%08x",
                        h.checksum(), fs.csums.xattrBlock(blk, b)));
            }
            e.markVerified();
        }
        parseEntries(b, XattrHeader.SIZE, b.length, 0, out, Xattr.Where.BLOCK, where, devOff);
    }

    /**
     * Parses entries from {@code start} up to {@code end} of {@code b}; value offsets count from
     * {@code valueBase}.
     */
    private void parseEntries(byte[] b, int start, int end, int valueBase, List<Xattr> out, Xattr.Where w,
                              String where, long devOff) throws IOException {
        int off = start;
        while (off + 4 <= end && !XattrEntry.isLast(b, off)) {
            if (off + XattrEntry.HEADER > end) {
                throw new ImageFormatException(where, "entry", devOff + off, null, "entry header past the end of its area");
            }
            int nameLen = Le.u8(b, off);
            if (off + XattrEntry.HEADER + nameLen > end) {
                throw new ImageFormatException(where, "e_name_len", devOff + off, nameLen, "name past the end of its area");
            }
            XattrEntry x = XattrEntry.parse(b, off);
            byte[] value;
            if (x.valueInum() != 0) {
                value = eaInodeValue(x, where);
                out.add(new Xattr(x.nameIndex(), x.name(), value, Xattr.Where.EA_INODE));
            } else {
                long vs = x.valueSize();
                long vo = valueBase + (long) x.valueOffset();
                if (vs > end || vo + vs > end || (vs > 0 && vo < start)) {
                    throw new ImageFormatException(where, "e_value_offs", devOff + off + 2, x.valueOffset(),
                            "value of " + vs + " bytes of " + x.fullName() + " outside its area");
                }
                value = new byte[(int) vs];
                System.arraycopy(b, (int) vo, value, 0, (int) vs);
                out.add(new Xattr(x.nameIndex(), x.name(), value, w));
            }
            off += x.size();
        }
    }

    private byte[] eaInodeValue(XattrEntry x, String where) throws IOException {
        if (!fs.sb.hasIncompat(Features.INCOMPAT_EA_INODE)) {
            throw new ImageFormatException(where, "e_value_inum", -1, x.valueInum(),
                    "value in an inode but the filesystem has no ea_inode feature");
        }
        if (x.valueSize() > MAX_VALUE) {
            throw new ImageFormatException(where, "e_value_size", -1, x.valueSize(), "larger than " + MAX_VALUE);
        }
        String w = "ea_inode " + x.valueInum() + " holding " + x.fullName() + " (" + where + ")";
        fs.checkIno(x.valueInum(), w);
        Inode vi = fs.inode(x.valueInum());
        if (!vi.hasFlag(Inode.FL_EA_INODE)) {
            throw new ImageFormatException(w, "i_flags", fs.inodeOffset(x.valueInum()) + 0x20,
                    String.format("0x%x", vi.flags()), "value inode lacks the EA_INODE flag");
        }
        if (vi.size64() != x.valueSize()) {
            throw new ImageFormatException(w, "i_size", fs.inodeOffset(x.valueInum()) + 4, vi.size64(),
                    "differs from e_value_size " + x.valueSize());
        }
        byte[] v = new byte[(int) x.valueSize()];
        new FileData(fs, x.valueInum(), vi).read(ByteBuffer.wrap(v), 0);
        return v;
    }
}
