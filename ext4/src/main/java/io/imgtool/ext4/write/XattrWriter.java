package io.imgtool.ext4.write;

import io.imgtool.core.ImageFormatException;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.ext4.internal.FsContext;
import io.imgtool.ext4.internal.Xattr;
import io.imgtool.ext4.internal.XattrReader;
import io.imgtool.ext4.ondisk.Inode;
import io.imgtool.ext4.ondisk.Le;
import io.imgtool.ext4.ondisk.XattrEntry;
import io.imgtool.ext4.ondisk.XattrHeader;
import io.imgtool.ext4.ondisk.XattrNames;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Sets and removes extended attributes. The whole set of an inode is laid out again on each change:
 * in the inode body first (after i_extra_isize, values packed from its end, entry hashes 0 as the
 * kernel writes them), the rest in an attribute block (entries sorted by namespace, name length and
 * name as the kernel's lookup expects, values packed from the block's end, entry and block hashes,
 * checksum). A block shared with other inodes (h_refcount above 1) is never changed in place: this
 * inode gets its own copy and the shared one loses a reference (copy on write); a block whose last
 * reference goes is freed. Values stored in their own inode (ea_inode) are not written.
 */
final class XattrWriter {

    /** One attribute: namespace index, name suffix, value (as stored). */
    record Attr(int index, byte[] name, byte[] value) {
    }

    private static final Comparator<Attr> BLOCK_ORDER = Comparator.<Attr>comparingInt(a -> a.index)
            .thenComparingInt(a -> a.name.length).thenComparing((a, b) -> Arrays.compareUnsigned(a.name, b.name));

    private final FsContext fs;
    private final Transaction tx;
    private final Allocator alloc;
    private final XattrReader reader;

    XattrWriter(FsContext fs, Transaction tx, Allocator alloc) {
        this.fs = fs;
        this.tx = tx;
        this.alloc = alloc;
        this.reader = new XattrReader(fs);
    }

    /** The inode's attributes; refuses values kept in ea_inodes (they are not written). */
    List<Attr> load(long ino, Inode inode) throws IOException {
        List<Attr> out = new ArrayList<>();
        for (Xattr x : reader.read(ino, inode)) {
            if (x.where() == Xattr.Where.EA_INODE) {
                throw new UnsupportedFeatureException("ext4 inode " + ino, "ea_inode",
                        "attribute " + x.fullName() + " keeps its value in an inode; changing such attributes is not implemented");
            }
            out.add(new Attr(x.index(), x.suffix(), x.value()));
        }
        return out;
    }

    /** Sets (replaces) or, with a null value, removes one attribute. Returns whether anything changed. */
    boolean set(long ino, Inode inode, int index, byte[] name, byte[] value) throws IOException {
        List<Attr> attrs = load(ino, inode);
        boolean changed = false;
        boolean found = false;
        for (int i = 0; i < attrs.size(); i++) {
            Attr a = attrs.get(i);
            if (a.index == index && Arrays.equals(a.name, name)) {
                found = true;
                if (value == null) {
                    attrs.remove(i);
                    changed = true;
                } else if (!Arrays.equals(a.value, value)) {
                    attrs.set(i, new Attr(index, name, value));
                    changed = true;
                }
                break;
            }
        }
        if (!found && value != null) {
            attrs.add(new Attr(index, name, value));
            changed = true;
        }
        if (changed) {
            store(ino, inode, attrs);
        }
        return changed;
    }

    private int inodeSpace(Inode inode) {
        int area = inode.xattrAreaOffset();
        if (area < 0) {
            return -1;
        }
        return inode.size() - area - 4 - 4; // magic, list terminator
    }

    /** Lays out {@code attrs} in the inode body and an attribute block; the caller stores the inode. */
    void store(long ino, Inode inode, List<Attr> attrs) throws IOException {
        for (Attr a : attrs) {
            if (a.name.length == 0 || a.name.length > 255) {
                if (!(a.name.length == 0 && (a.index == XattrNames.POSIX_ACL_ACCESS || a.index == XattrNames.POSIX_ACL_DEFAULT))) {
                    throw new ImageFormatException("xattr of inode " + ino, -1, "name length " + a.name.length);
                }
            }
        }
        int space = inodeSpace(inode);
        List<Attr> inInode = new ArrayList<>();
        List<Attr> inBlock = new ArrayList<>();
        int used = 0;
        // system.data (inline data) must stay in the inode.
        List<Attr> ordered = new ArrayList<>(attrs);
        ordered.sort(Comparator.comparingInt(a -> isSystemData(a) ? 0 : 1));
        for (Attr a : ordered) {
            int need = XattrEntry.entrySize(a.name.length) + XattrEntry.valueSpace(a.value.length);
            if (space >= 0 && used + need <= space) {
                inInode.add(a);
                used += need;
            } else {
                if (isSystemData(a)) {
                    throw new ImageFormatException("ext4 inode " + ino, -1, "inline data attribute does not fit the inode");
                }
                inBlock.add(a);
            }
        }
        writeInodeArea(inode, inInode);
        int bs = fs.geo.blockSize;
        long per = bs / 512;
        long old = inode.fileAcl();
        if (inBlock.isEmpty()) {
            if (old != 0) {
                release(ino, old);
                inode.setFileAcl(0);
                inode.setBlocks512(inode.blocks512(fs.hugeFile, bs) - per, fs.hugeFile);
            }
            return;
        }
        byte[] image = blockImage(ino, inBlock);
        long target;
        if (old != 0 && refcount(ino, old) == 1) {
            target = old;
            byte[] b = tx.modify(old, MetaKind.OTHER, "extended attribute block " + old);
            System.arraycopy(image, 0, b, 0, bs);
            fs.csums.setXattrBlock(old, b);
            return;
        }
        if (old != 0) {
            release(ino, old);
        } else {
            inode.setBlocks512(inode.blocks512(fs.hugeFile, bs) + per, fs.hugeFile);
        }
        long goal = alloc.goalForInode(ino);
        target = alloc.allocBlocks(goal, 1, "extended attribute block of inode " + ino)[0];
        byte[] b = tx.create(target, MetaKind.OTHER);
        System.arraycopy(image, 0, b, 0, bs);
        fs.csums.setXattrBlock(target, b);
        inode.setFileAcl(target);
    }

    static boolean isSystemData(Attr a) {
        return a.index == XattrNames.SYSTEM && Arrays.equals(a.name, "data".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    private void writeInodeArea(Inode inode, List<Attr> list) {
        int area = inode.xattrAreaOffset();
        if (area < 0) {
            return;
        }
        int size = inode.size();
        byte[] region = new byte[size - area];
        if (!list.isEmpty()) {
            Le.put32(region, 0, XattrEntry.IBODY_MAGIC);
            int base = 4; // value offsets count from the first entry
            int entryOff = base;
            int valueEnd = region.length;
            for (Attr a : list) {
                int vs = XattrEntry.valueSpace(a.value.length);
                int valueOff = 0;
                if (a.value.length > 0) {
                    valueEnd -= vs;
                    System.arraycopy(a.value, 0, region, valueEnd, a.value.length);
                    valueOff = valueEnd - base;
                }
                new XattrEntry(a.name.length, a.index, valueOff, 0, a.value.length, 0, a.name).writeTo(region, entryOff);
                entryOff += XattrEntry.entrySize(a.name.length);
            }
        }
        inode.putBytes(area, region);
    }

    private byte[] blockImage(long ino, List<Attr> list) throws IOException {
        int bs = fs.geo.blockSize;
        List<Attr> sorted = new ArrayList<>(list);
        sorted.sort(BLOCK_ORDER);
        int need = XattrHeader.SIZE + 4;
        for (Attr a : sorted) {
            need += XattrEntry.entrySize(a.name.length) + XattrEntry.valueSpace(a.value.length);
        }
        if (need > bs) {
            throw new NoSpaceException("ext4 inode " + ino, "extended attributes need " + need
                    + " bytes, more than an attribute block of " + bs + " (values in their own inodes are not written)");
        }
        byte[] b = new byte[bs];
        int entryOff = XattrHeader.SIZE;
        int valueEnd = bs;
        long blockHash = 0;
        boolean zeroHash = false;
        for (Attr a : sorted) {
            int valueOff = 0;
            if (a.value.length > 0) {
                valueEnd -= XattrEntry.valueSpace(a.value.length);
                System.arraycopy(a.value, 0, b, valueEnd, a.value.length);
                valueOff = valueEnd;
            }
            long h = entryHash(a.name, b, valueOff, a.value.length);
            new XattrEntry(a.name.length, a.index, valueOff, 0, a.value.length, h, a.name).writeTo(b, entryOff);
            entryOff += XattrEntry.entrySize(a.name.length);
            if (h == 0) {
                zeroHash = true;
            }
            blockHash = ((blockHash << 16) ^ (blockHash >>> 16) ^ h) & 0xffffffffL;
        }
        new XattrHeader(XattrHeader.MAGIC, 1, 1, zeroHash ? 0 : blockHash, 0, new byte[12]).writeTo(b);
        return b;
    }

    /** ext4_xattr_hash_entry: the name bytes (unsigned), then the value as little-endian 32-bit words. */
    static long entryHash(byte[] name, byte[] block, int valueOff, int valueLen) {
        int hash = 0;
        for (byte c : name) {
            hash = (hash << 5) ^ (hash >>> 27) ^ (c & 0xff);
        }
        int words = (valueLen + 3) / 4;
        for (int i = 0; i < words; i++) {
            int w = 0;
            for (int k = 0; k < 4; k++) {
                int at = i * 4 + k;
                int v = at < valueLen ? block[valueOff + at] & 0xff : 0;
                w |= v << (8 * k);
            }
            hash = (hash << 16) ^ (hash >>> 16) ^ w;
        }
        return hash & 0xffffffffL;
    }

    private long refcount(long ino, long blk) throws IOException {
        byte[] b = fs.cache.get(blk, "extended attribute block " + blk + " of inode " + ino);
        XattrHeader h = XattrHeader.parse(b);
        if (h.magic() != XattrHeader.MAGIC) {
            throw new ImageFormatException("extended attribute block " + blk, "h_magic", fs.blockOffset(blk),
                    String.format("0x%08x", h.magic()), "not an extended attribute block");
        }
        return h.refcount();
    }

    /** Drops one reference to attribute block {@code blk}; frees it (at commit) with the last one. */
    void release(long ino, long blk) throws IOException {
        long rc = refcount(ino, blk);
        if (rc <= 1) {
            tx.freeLater(blk, 1);
            return;
        }
        byte[] b = tx.modify(blk, MetaKind.OTHER, "extended attribute block " + blk);
        Le.put32(b, 4, rc - 1);
        fs.csums.setXattrBlock(blk, b);
    }
}
