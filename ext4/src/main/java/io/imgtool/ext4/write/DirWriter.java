package io.imgtool.ext4.write;

import io.imgtool.core.ImageFormatException;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.ext4.internal.DirBlock;
import io.imgtool.ext4.internal.DirReader;
import io.imgtool.ext4.internal.DxHash;
import io.imgtool.ext4.internal.FsContext;
import io.imgtool.ext4.ondisk.DirEntry;
import io.imgtool.ext4.ondisk.DirTail;
import io.imgtool.ext4.ondisk.DxEntry;
import io.imgtool.ext4.ondisk.DxNode;
import io.imgtool.ext4.ondisk.DxRootInfo;
import io.imgtool.ext4.ondisk.Features;
import io.imgtool.ext4.ondisk.Inode;
import io.imgtool.ext4.ondisk.Le;
import io.imgtool.ext4.ondisk.Superblock;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Directory entries: insert, remove and retarget in linear and hashed (htree) directories, new
 * directory blocks, conversion of inline directories to a block.
 *
 * <p>Linear directories take a new entry in the first block with room (splitting an entry's slack,
 * as the kernel does) or grow by a block. Hashed directories find the leaf through the index; a full
 * leaf is split by hash (the upper half by size moves to a new block, the collision bit marks a hash
 * continuing across the split), a full index node is split, and a full root gains a level (two
 * levels, three with large_dir) — the kernel's algorithm, so the index stays one e2fsck accepts.
 * Removal merges the entry into its predecessor's record or clears the first entry of a block.
 * Every changed block gets its checksum tail (leaf) or dx tail (index) under metadata_csum.
 */
final class DirWriter {

    /** Where an entry is: its block and byte offset. */
    record Loc(long logical, long physical, int offset, boolean dxBlock) {
    }

    private final FsContext fs;
    private final Transaction tx;
    private final Allocator alloc;
    private final Inodes inodes;
    private final Mappings mappings;
    private final XattrWriter xattrs;
    private final DirReader reader;
    private final int bs;
    private final boolean csum;

    DirWriter(FsContext fs, Transaction tx, Allocator alloc, Inodes inodes, Mappings mappings, XattrWriter xattrs) {
        this.fs = fs;
        this.tx = tx;
        this.alloc = alloc;
        this.inodes = inodes;
        this.mappings = mappings;
        this.xattrs = xattrs;
        this.reader = new DirReader(fs);
        this.bs = fs.geo.blockSize;
        this.csum = fs.csums.enabled();
    }

    // ---- helpers --------------------------------------------------------------------------------

    private int recLen(byte[] b, int off) {
        return DirEntry.decodeRecLen(Le.u16(b, off + 4), bs);
    }

    private void setRecLen(byte[] b, int off, int len) {
        Le.put16(b, off + 4, DirEntry.encodeRecLen(len, bs));
    }

    private int nameLen(byte[] b, int off) {
        return fs.filetype ? Le.u8(b, off + 6) : Le.u16(b, off + 6);
    }

    private void writeEntry(byte[] b, int off, long ino, int recLen, byte[] name, int type) {
        Le.put32(b, off, ino);
        setRecLen(b, off, recLen);
        Le.put8(b, off + 6, name.length);
        Le.put8(b, off + 7, fs.filetype ? type : 0);
        System.arraycopy(name, 0, b, off + DirEntry.HEADER, name.length);
    }

    private int tail() {
        return csum ? DirTail.SIZE : 0;
    }

    /** The end of the entry space of an existing leaf block. */
    private int leafEnd(byte[] b, long dir, long logical) throws ImageFormatException {
        if (!csum) {
            return bs;
        }
        if (!DirTail.isPresent(b, bs)) {
            throw new ImageFormatException("directory block " + logical + " of inode " + dir, -1,
                    "no checksum tail under metadata_csum: refusing to change it (e2fsck can add one)");
        }
        return bs - DirTail.SIZE;
    }

    private void sealLeaf(int seed, byte[] b) {
        if (csum) {
            fs.csums.setDirLeaf(seed, b, bs);
        }
    }

    private void sealDx(int seed, byte[] b, boolean root, String where) throws ImageFormatException {
        if (csum) {
            fs.csums.setDxNode(seed, b, DxNode.parse(b, bs, root, where, -1));
        }
    }

    private int seed(long dir, Inode inode) {
        return fs.inodeSeed(dir, inode);
    }

    boolean isHtree(Inode dir) {
        return dir.hasFlag(Inode.FL_INDEX) && !dir.hasFlag(Inode.FL_INLINE_DATA);
    }

    /** Refuses directories this writer must not change. */
    void checkWritable(long dir, Inode inode) throws IOException {
        reader.checkReadable(dir, inode);
        if (inode.hasFlag(Inode.FL_CASEFOLD) && fs.sb.hasIncompat(Features.INCOMPAT_CASEFOLD)) {
            throw new UnsupportedFeatureException("ext4 inode " + dir, "casefold",
                    "changing case-insensitive directories is not implemented");
        }
        if (inode.hasFlag(Inode.FL_INDEX) && !fs.sb.hasCompat(Features.COMPAT_DIR_INDEX)) {
            throw new ImageFormatException("ext4 inode " + dir, "i_flags", fs.inodeOffset(dir) + 0x20,
                    String.format("0x%x", inode.flags()), "INDEX flag on a filesystem without dir_index");
        }
    }

    private long physical(FileMap map, long logical, long dir) throws ImageFormatException {
        FileMap.Seg s = map.find(logical);
        if (s == null || s.unwritten()) {
            throw new ImageFormatException("directory inode " + dir, -1, "block " + logical + " is not mapped");
        }
        return s.physical() + (logical - s.logical());
    }

    private long blockCount(Inode inode) {
        return (inode.size64() + bs - 1) / bs;
    }

    // ---- new directories ------------------------------------------------------------------------

    /** Gives a new directory inode its first block with "." and "..". */
    void init(long dir, Inode inode, long parent) throws IOException {
        Mappings.Loaded m = mappings.get(dir, inode);
        long blk = appendBlock(dir, inode, m);
        byte[] b = tx.create(blk, MetaKind.OTHER);
        int end = bs - tail();
        writeEntry(b, 0, dir, 12, ".".getBytes(), DirEntry.FT_DIR);
        writeEntry(b, 12, parent, end - 12, "..".getBytes(), DirEntry.FT_DIR);
        if (csum) {
            new DirTail(0).writeTo(b, bs);
        }
        sealLeaf(seed(dir, inode), b);
    }

    /** Maps a new block at the end of the directory and grows i_size; returns its physical number. */
    private long appendBlock(long dir, Inode inode, Mappings.Loaded m) throws IOException {
        long logical = blockCount(inode);
        FileMap.Seg last = m.map().last();
        long goal = last != null ? last.physical() + last.length() : alloc.goalForInode(dir);
        long blk = alloc.allocBlocks(goal, 1, "directory inode " + dir)[0];
        m.map().put(logical, 1, blk, false);
        m.store().store(m.map(), inode);
        inode.setSize((logical + 1) * bs);
        inode.setBlocks512(inode.blocks512(fs.hugeFile, bs) + bs / 512, fs.hugeFile);
        return blk;
    }

    // ---- inline directories ---------------------------------------------------------------------

    /** Moves an inline directory's entries into a block (the kernel's conversion when it outgrows the inode). */
    Inode convertInline(long dir, Inode inode) throws IOException {
        if (!inode.hasFlag(Inode.FL_INLINE_DATA)) {
            return inode;
        }
        long parent = DirReader.inlineParent(inode);
        List<DirEntry> entries = new ArrayList<>();
        DirReader.Cursor c = reader.open(dir, inode);
        for (DirEntry e = c.next(); e != null; e = c.next()) {
            entries.add(e);
        }
        List<XattrWriter.Attr> attrs = xattrs.load(dir, inode);
        attrs.removeIf(XattrWriter::isSystemData);
        xattrs.store(dir, inode, attrs);
        inode.setFlags(inode.flags() & ~Inode.FL_INLINE_DATA);
        if (fs.sb.hasIncompat(Features.INCOMPAT_EXTENTS)) {
            inode.setFlags(inode.flags() | Inode.FL_EXTENTS);
            inode.setBlockArea(ExtentStore.emptyRoot());
        } else {
            inode.setBlockArea(new byte[Inode.BLOCK_SIZE]);
        }
        inode.setSize(0);
        inodes.put(dir, inode);
        mappings.forget(dir);
        Inode fresh = inodes.get(dir);
        init(dir, fresh, parent);
        inodes.put(dir, fresh);
        fresh = inodes.get(dir);
        for (DirEntry e : entries) {
            fresh = addLinear(dir, fresh, e.name(), e.inode(), e.fileType());
            inodes.put(dir, fresh);
            fresh = inodes.get(dir);
        }
        return fresh;
    }

    // ---- insertion --------------------------------------------------------------------------------

    /** Adds entry {@code name -> ino}; the caller checked that the name is free. Stores the directory inode. */
    void add(long dir, Inode inode, byte[] name, long ino, int fileType) throws IOException {
        checkWritable(dir, inode);
        inode = convertInline(dir, inode);
        if (isHtree(inode)) {
            inode = new Htree(dir, inode).insert(name, ino, fileType);
        } else {
            inode = addLinear(dir, inode, name, ino, fileType);
        }
        inodes.put(dir, inode);
    }

    /** Returns the offset of a slot of {@code need} bytes in [0, end) of {@code b}, or -1. */
    private int findSpace(byte[] b, int end, int need) {
        int off = 0;
        while (off < end) {
            int rl = recLen(b, off);
            if (rl < 12 || off + rl > end) {
                return -1;
            }
            long in = Le.u32(b, off);
            int used = in != 0 ? DirEntry.minRecLen(nameLen(b, off)) : 0;
            if (rl - used >= need) {
                return off;
            }
            off += rl;
        }
        return -1;
    }

    /** Puts the entry into the slot found at {@code off} (splitting the entry there). */
    private void insertAt(byte[] b, int off, byte[] name, long ino, int type) {
        int rl = recLen(b, off);
        if (Le.u32(b, off) == 0) {
            Arrays.fill(b, off, off + rl, (byte) 0);
            writeEntry(b, off, ino, rl, name, type);
            return;
        }
        int used = DirEntry.minRecLen(nameLen(b, off));
        setRecLen(b, off, used);
        Arrays.fill(b, off + used, off + rl, (byte) 0);
        writeEntry(b, off + used, ino, rl - used, name, type);
    }

    private Inode addLinear(long dir, Inode inode, byte[] name, long ino, int type) throws IOException {
        Mappings.Loaded m = mappings.get(dir, inode);
        int need = DirEntry.minRecLen(name.length);
        int seed = seed(dir, inode);
        long n = blockCount(inode);
        for (long lb = 0; lb < n; lb++) {
            FileMap.Seg s = m.map().find(lb);
            if (s == null || s.unwritten()) {
                continue;
            }
            long phys = s.physical() + (lb - s.logical());
            byte[] ro = fs.cache.get(phys, "directory block " + lb + " of inode " + dir);
            int end = leafEnd(ro, dir, lb);
            int off = findSpace(ro, end, need);
            if (off >= 0) {
                byte[] b = tx.modify(phys, MetaKind.OTHER, "directory block " + lb + " of inode " + dir);
                insertAt(b, off, name, ino, type);
                sealLeaf(seed, b);
                return inode;
            }
        }
        if (n == 1 && fs.sb.hasCompat(Features.COMPAT_DIR_INDEX)) {
            return makeIndexed(dir, inode, m, name, ino, type);
        }
        long blk = appendBlock(dir, inode, m);
        byte[] b = tx.create(blk, MetaKind.OTHER);
        writeEntry(b, 0, ino, bs - tail(), name, type);
        if (csum) {
            new DirTail(0).writeTo(b, bs);
        }
        sealLeaf(seed, b);
        return inode;
    }

    /**
     * A one-block directory whose block is full becomes a hashed directory, as the kernel's
     * make_indexed_dir does: block 0 keeps "." and ".." and becomes the index root, its entries and
     * the new one are split by hash into two new leaves.
     */
    private Inode makeIndexed(long dir, Inode inode, Mappings.Loaded m, byte[] name, long ino, int type)
            throws IOException {
        long phys0 = physical(m.map(), 0, dir);
        byte[] ro = fs.cache.get(phys0, "directory block 0 of inode " + dir);
        int end = leafEnd(ro, dir, 0);
        DirBlock db = DirBlock.parse(ro, 0, end, bs, fs.filetype, fs.geo.inodesCount);
        if (db.error() != null) {
            throw new ImageFormatException("directory block 0 of inode " + dir, fs.blockOffset(phys0) + db.errorOffset(),
                    db.error());
        }
        if (recLen(ro, 0) != 12 || nameLen(ro, 12) != 2) {
            throw new ImageFormatException("directory block 0 of inode " + dir, fs.blockOffset(phys0),
                    "'.' and '..' are not the first entries");
        }
        long parent = Le.u32(ro, 12);
        List<DirEntry> es = new ArrayList<>();
        for (DirEntry e : db.entries()) {
            if (!e.isDotOrDotDot()) {
                es.add(e);
            }
        }
        es.add(new DirEntry(ino, 0, name.length, fs.filetype ? type : 0, name));
        int version = fs.sb.defHashVersion();
        if (!DxHash.isSupported(version) || version > DxRootInfo.HASH_TEA) {
            version = DxRootInfo.HASH_HALF_MD4;
        }
        int hv = version;
        if ((fs.sb.flags() & Superblock.FLAG_UNSIGNED_HASH) != 0) {
            hv += 3;
        }
        final int hashVersion = hv;
        long[] hashes = new long[es.size()];
        Integer[] order = new Integer[es.size()];
        for (int i = 0; i < es.size(); i++) {
            byte[] nm = es.get(i).name();
            hashes[i] = DxHash.hash(hashVersion, nm, 0, nm.length, fs.hashSeed).major() & 0xffffffffL;
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(hashes[a], hashes[b]));
        int total = 0;
        for (DirEntry e : es) {
            total += DirEntry.minRecLen(e.nameLen());
        }
        int split = 0;
        int acc = 0;
        while (split < es.size() - 1 && acc + DirEntry.minRecLen(es.get(order[split]).nameLen()) <= total / 2) {
            acc += DirEntry.minRecLen(es.get(order[split]).nameLen());
            split++;
        }
        split = Math.max(1, split);
        long hash2 = hashes[order[split]];
        boolean continued = hashes[order[split - 1]] == hash2;
        List<DirEntry> low = new ArrayList<>();
        List<DirEntry> high = new ArrayList<>();
        for (int i = 0; i < es.size(); i++) {
            (i < split ? low : high).add(es.get(order[i]));
        }
        int seed = seed(dir, inode);
        long b1 = appendBlock(dir, inode, m);
        byte[] l1 = tx.create(b1, MetaKind.OTHER);
        packLeaf(l1, low);
        sealLeaf(seed, l1);
        long b2 = appendBlock(dir, inode, m);
        byte[] l2 = tx.create(b2, MetaKind.OTHER);
        packLeaf(l2, high);
        sealLeaf(seed, l2);
        byte[] root = tx.modify(phys0, MetaKind.DX_NODE, "directory block 0 of inode " + dir);
        Arrays.fill(root, (byte) 0);
        writeEntry(root, 0, dir, 12, ".".getBytes(), DirEntry.FT_DIR);
        writeEntry(root, 12, parent, bs - 12, "..".getBytes(), DirEntry.FT_DIR);
        new DxRootInfo(0, version, DxRootInfo.SIZE, 0, 0).writeTo(root);
        int co = DxNode.ROOT_COUNT_OFFSET;
        Le.put16(root, co, (bs - co - (csum ? 8 : 0)) / DxEntry.SIZE);
        Le.put16(root, co + 2, 2);
        Le.put32(root, co + 4, 1);
        new DxEntry(hash2 | (continued ? 1 : 0), 2).writeTo(root, co + DxEntry.SIZE);
        sealDx(seed, root, true, "htree root of inode " + dir);
        inode.setFlags(inode.flags() | Inode.FL_INDEX);
        return inode;
    }

    /** Packs entries into a fresh leaf block (rec_len of the last one reaching the end), tail included. */
    private void packLeaf(byte[] b, List<DirEntry> es) {
        Arrays.fill(b, (byte) 0);
        int end = bs - tail();
        int off = 0;
        if (es.isEmpty()) {
            setRecLen(b, 0, end);
        }
        for (int i = 0; i < es.size(); i++) {
            DirEntry e = es.get(i);
            int rl = i == es.size() - 1 ? end - off : DirEntry.minRecLen(e.nameLen());
            writeEntry(b, off, e.inode(), rl, e.name(), e.fileType());
            off += rl;
        }
        if (off > end) {
            throw new IllegalStateException("entries overflow the block");
        }
        if (csum) {
            new DirTail(0).writeTo(b, bs);
        }
    }

    // ---- lookup of an existing entry --------------------------------------------------------------

    private int scanFor(byte[] b, int end, byte[] name) {
        int off = 0;
        while (off + 8 <= end) {
            int rl = recLen(b, off);
            if (rl < 12 || off + rl > end) {
                return -1;
            }
            int nl = nameLen(b, off);
            if (Le.u32(b, off) != 0 && nl == name.length && off + 8 + nl <= end
                    && Arrays.equals(b, off + 8, off + 8 + nl, name, 0, nl)) {
                return off;
            }
            off += rl;
        }
        return -1;
    }

    /** Where entry {@code name} is, or null. */
    Loc locate(long dir, Inode inode, byte[] name) throws IOException {
        if (inode.hasFlag(Inode.FL_INLINE_DATA)) {
            throw new IllegalStateException("inline directory");
        }
        if (isHtree(inode)) {
            return new Htree(dir, inode).locate(name);
        }
        Mappings.Loaded m = mappings.get(dir, inode);
        long n = blockCount(inode);
        for (long lb = 0; lb < n; lb++) {
            FileMap.Seg s = m.map().find(lb);
            if (s == null || s.unwritten()) {
                continue;
            }
            long phys = s.physical() + (lb - s.logical());
            byte[] b = fs.cache.get(phys, "directory block " + lb + " of inode " + dir);
            int off = scanFor(b, leafEnd(b, dir, lb), name);
            if (off >= 0) {
                return new Loc(lb, phys, off, false);
            }
        }
        return null;
    }

    // ---- removal and retargeting ------------------------------------------------------------------

    /** Removes entry {@code name}; returns its inode number. Stores the directory inode. */
    long remove(long dir, Inode inode, byte[] name) throws IOException {
        checkWritable(dir, inode);
        inode = convertInline(dir, inode);
        Loc loc = locate(dir, inode, name);
        if (loc == null) {
            throw new java.nio.file.NoSuchFileException(new String(name, java.nio.charset.StandardCharsets.UTF_8));
        }
        byte[] b = tx.modify(loc.physical(), MetaKind.OTHER, "directory block " + loc.logical() + " of inode " + dir);
        long ino = Le.u32(b, loc.offset());
        int prev = -1;
        int off = 0;
        while (off < loc.offset()) {
            prev = off;
            off += recLen(b, off);
        }
        int rl = recLen(b, loc.offset());
        if (prev >= 0) {
            setRecLen(b, prev, recLen(b, prev) + rl);
            Arrays.fill(b, loc.offset(), loc.offset() + rl, (byte) 0);
        } else {
            Le.put32(b, loc.offset(), 0);
            Le.put8(b, loc.offset() + 6, 0);
            Le.put8(b, loc.offset() + 7, 0);
            Arrays.fill(b, loc.offset() + 8, loc.offset() + rl, (byte) 0);
        }
        sealLeaf(seed(dir, inode), b);
        inodes.put(dir, inode);
        return ino;
    }

    /** Points existing entry {@code name} at {@code ino} (rename over an existing name). */
    void retarget(long dir, Inode inode, byte[] name, long ino, int fileType) throws IOException {
        checkWritable(dir, inode);
        inode = convertInline(dir, inode);
        Loc loc = locate(dir, inode, name);
        if (loc == null) {
            throw new java.nio.file.NoSuchFileException(new String(name, java.nio.charset.StandardCharsets.UTF_8));
        }
        byte[] b = tx.modify(loc.physical(), MetaKind.OTHER, "directory block " + loc.logical() + " of inode " + dir);
        Le.put32(b, loc.offset(), ino);
        Le.put8(b, loc.offset() + 7, fs.filetype ? fileType : 0);
        sealLeaf(seed(dir, inode), b);
        inodes.put(dir, inode);
    }

    /** Sets a directory's ".." entry. Stores the directory inode. */
    void setParent(long dir, Inode inode, long parent) throws IOException {
        checkWritable(dir, inode);
        inode = convertInline(dir, inode);
        Mappings.Loaded m = mappings.get(dir, inode);
        long phys = physical(m.map(), 0, dir);
        byte[] ro = fs.cache.get(phys, "directory block 0 of inode " + dir);
        if (recLen(ro, 0) != 12 || nameLen(ro, 12) != 2 || ro[12 + 8] != '.' || ro[12 + 9] != '.') {
            throw new ImageFormatException("directory block 0 of inode " + dir, fs.blockOffset(phys) + 12,
                    "'..' is not the second entry");
        }
        boolean root = isHtree(inode);
        byte[] b = tx.modify(phys, root ? MetaKind.DX_NODE : MetaKind.OTHER, "directory block 0 of inode " + dir);
        Le.put32(b, 12, parent);
        if (root) {
            sealDx(seed(dir, inode), b, true, "htree root of inode " + dir);
        } else {
            sealLeaf(seed(dir, inode), b);
        }
        inodes.put(dir, inode);
    }

    /** Whether the directory has no entries besides "." and "..". */
    boolean isEmpty(long dir, Inode inode) throws IOException {
        DirReader.Cursor c = reader.open(dir, inode);
        return c.next() == null;
    }

    // ---- htree -----------------------------------------------------------------------------------

    /** One hashed directory being changed. */
    private final class Htree {
        private final long dir;
        private Inode inode;
        private final Mappings.Loaded m;
        private final int seed;
        private final int version;
        private final int maxLevels;
        private final String where;

        /** A descent: node logical blocks (0 = root), the index used in each, and the leaf. */
        private final class Path {
            final long[] nodes;
            final int[] idx;
            long leaf;

            Path(int depth) {
                nodes = new long[depth];
                idx = new int[depth];
            }
        }

        Htree(long dir, Inode inode) throws IOException {
            this.dir = dir;
            this.inode = inode;
            this.m = mappings.get(dir, inode);
            this.seed = seed(dir, inode);
            this.where = "htree of directory inode " + dir;
            byte[] root = nodeBytes(0);
            DxRootInfo info = DxRootInfo.parse(root);
            if (info.reservedZero() != 0 || info.infoLength() != DxRootInfo.SIZE || recLen(root, 0) != 12) {
                throw new ImageFormatException(where, -1, "bad htree root: refusing to change the directory (e2fsck -fD rebuilds it)");
            }
            int v = info.hashVersion();
            if (v <= DxRootInfo.HASH_TEA && (fs.sb.flags() & Superblock.FLAG_UNSIGNED_HASH) != 0) {
                v += 3;
            }
            if (!DxHash.isSupported(v)) {
                throw new UnsupportedFeatureException(where, "hash " + DxRootInfo.hashName(info.hashVersion()),
                        "directory hash not supported");
            }
            this.version = v;
            this.maxLevels = fs.sb.hasIncompat(Features.INCOMPAT_LARGEDIR) ? 3 : 2;
            if (info.indirectLevels() >= maxLevels) {
                throw new ImageFormatException(where, -1, "indirect_levels " + info.indirectLevels() + " too deep");
            }
        }

        private long phys(long logical) throws ImageFormatException {
            if (logical >= blockCount(inode)) {
                throw new ImageFormatException(where, -1, "index points at block " + logical + " past the end");
            }
            return physical(m.map(), logical, dir);
        }

        private byte[] nodeBytes(long logical) throws IOException {
            return fs.cache.get(phys(logical), where + ", block " + logical);
        }

        private int levels() throws IOException {
            return DxRootInfo.parse(nodeBytes(0)).indirectLevels();
        }

        private DxNode node(long logical) throws IOException {
            byte[] b = nodeBytes(logical);
            boolean root = logical == 0;
            if (!root && !DxNode.looksLikeNode(b, bs)) {
                throw new ImageFormatException(where, -1, "block " + logical + " is not an index node");
            }
            return DxNode.parse(b, bs, root, where + ", block " + logical, fs.blockOffset(phys(logical)));
        }

        int hash(byte[] name) {
            return DxHash.hash(version, name, 0, name.length, fs.hashSeed).major();
        }

        private int floor(DxNode n, long hash) {
            int ans = 0;
            for (int i = 1; i < n.count(); i++) {
                if (n.entries().get(i).hash() <= hash) {
                    ans = i;
                } else {
                    break;
                }
            }
            return ans;
        }

        Path descend(long hash) throws IOException {
            int levels = levels();
            Path p = new Path(levels + 1);
            long logical = 0;
            for (int level = 0; level <= levels; level++) {
                DxNode n = node(logical);
                int i = floor(n, hash);
                p.nodes[level] = logical;
                p.idx[level] = i;
                logical = n.entries().get(i).block();
            }
            p.leaf = logical;
            return p;
        }

        /** Moves to the next leaf if it continues {@code hash} (collision chain); false at the end. */
        boolean nextLeaf(Path p, long hash) throws IOException {
            int k = p.nodes.length - 1;
            while (k >= 0 && p.idx[k] + 1 >= node(p.nodes[k]).count()) {
                k--;
            }
            if (k < 0) {
                return false;
            }
            p.idx[k]++;
            DxEntry e = node(p.nodes[k]).entries().get(p.idx[k]);
            if ((e.hash() & ~1L) != hash) {
                return false;
            }
            long child = e.block();
            for (int j = k + 1; j < p.nodes.length; j++) {
                p.nodes[j] = child;
                p.idx[j] = 0;
                child = node(child).entries().get(0).block();
            }
            p.leaf = child;
            return true;
        }

        Loc locate(byte[] name) throws IOException {
            long h = hash(name) & 0xffffffffL;
            Path p = descend(h);
            for (int guard = 0; guard <= blockCount(inode); guard++) {
                long ph = phys(p.leaf);
                byte[] b = fs.cache.get(ph, where + ", leaf " + p.leaf);
                int off = scanFor(b, leafEnd(b, dir, p.leaf), name);
                if (off >= 0) {
                    return new Loc(p.leaf, ph, off, false);
                }
                if (!nextLeaf(p, h)) {
                    return null;
                }
            }
            throw new ImageFormatException(where, -1, "leaf chain loops");
        }

        Inode insert(byte[] name, long ino, int type) throws IOException {
            long h = hash(name) & 0xffffffffL;
            int need = DirEntry.minRecLen(name.length);
            for (int attempt = 0; attempt < 8; attempt++) {
                Path p = descend(h);
                long ph = phys(p.leaf);
                byte[] ro = fs.cache.get(ph, where + ", leaf " + p.leaf);
                int end = leafEnd(ro, dir, p.leaf);
                int off = findSpace(ro, end, need);
                if (off >= 0) {
                    byte[] b = tx.modify(ph, MetaKind.OTHER, where + ", leaf " + p.leaf);
                    insertAt(b, off, name, ino, type);
                    sealLeaf(seed, b);
                    return inode;
                }
                int deepest = p.nodes.length - 1;
                DxNode parent = node(p.nodes[deepest]);
                if (parent.count() < parent.limit()) {
                    splitLeaf(p, ph, ro, end, name, ino, type);
                    return inode;
                }
                // Find the lowest ancestor with room.
                int k = deepest - 1;
                while (k >= 0 && node(p.nodes[k]).count() >= node(p.nodes[k]).limit()) {
                    k--;
                }
                if (k >= 0) {
                    splitNode(p, k + 1);
                    continue;
                }
                if (p.nodes.length < maxLevels) {
                    addLevel();
                    continue;
                }
                throw new NoSpaceException("directory inode " + dir, "the hashed directory index is full ("
                        + p.nodes.length + " levels)");
            }
            throw new IllegalStateException("htree insert did not converge");
        }

        private long newBlock(MetaKind kind, byte[][] out) throws IOException {
            long logical = blockCount(inode);
            long blk = appendBlock(dir, inode, m);
            out[0] = tx.create(blk, kind);
            return logical;
        }

        private void splitLeaf(Path p, long ph, byte[] ro, int end, byte[] name, long ino, int type) throws IOException {
            DirBlock db = DirBlock.parse(ro, 0, end, bs, fs.filetype, fs.geo.inodesCount);
            if (db.error() != null) {
                throw new ImageFormatException(where + ", leaf " + p.leaf, fs.blockOffset(ph) + db.errorOffset(), db.error());
            }
            List<DirEntry> es = new ArrayList<>(db.entries());
            es.add(new DirEntry(ino, 0, name.length, fs.filetype ? type : 0, name));
            long[] hashes = new long[es.size()];
            Integer[] order = new Integer[es.size()];
            for (int i = 0; i < es.size(); i++) {
                hashes[i] = hash(es.get(i).name()) & 0xffffffffL;
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Long.compare(hashes[a], hashes[b]));
            int count = es.size();
            int size = 0;
            int move = 0;
            for (int i = count - 1; i > 0; i--) {
                int sz = DirEntry.minRecLen(es.get(order[i]).nameLen());
                if (size + sz / 2 > (bs - tail()) / 2) {
                    break;
                }
                size += sz;
                move++;
            }
            if (move == 0) {
                move = 1;
            }
            int split = count - move;
            long hash2 = hashes[order[split]];
            boolean continued = hashes[order[split - 1]] == hash2;
            List<DirEntry> low = new ArrayList<>();
            List<DirEntry> high = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                (i < split ? low : high).add(es.get(order[i]));
            }
            byte[][] nb = new byte[1][];
            long newLogical = newBlock(MetaKind.OTHER, nb);
            packLeaf(nb[0], high);
            sealLeaf(seed, nb[0]);
            byte[] b = tx.modify(ph, MetaKind.OTHER, where + ", leaf " + p.leaf);
            packLeaf(b, low);
            sealLeaf(seed, b);
            int deepest = p.nodes.length - 1;
            insertIndex(p.nodes[deepest], p.idx[deepest], hash2 | (continued ? 1 : 0), newLogical);
        }

        /** Inserts (hash, block) after position {@code pos} of index node {@code logical}, which has room. */
        private void insertIndex(long logical, int pos, long hash, long block) throws IOException {
            boolean root = logical == 0;
            byte[] b = tx.modify(phys(logical), MetaKind.DX_NODE, where + ", index block " + logical);
            int co = root ? DxNode.ROOT_COUNT_OFFSET : DxNode.NODE_COUNT_OFFSET;
            int count = Le.u16(b, co + 2);
            int limit = Le.u16(b, co);
            if (count >= limit) {
                throw new IllegalStateException("index node full");
            }
            for (int i = count - 1; i > pos; i--) {
                System.arraycopy(b, co + i * DxEntry.SIZE, b, co + (i + 1) * DxEntry.SIZE, DxEntry.SIZE);
            }
            new DxEntry(hash, block).writeTo(b, co + (pos + 1) * DxEntry.SIZE);
            Le.put16(b, co + 2, count + 1);
            sealDx(seed, b, root, where);
        }

        private int nodeLimit() {
            return (bs - DxNode.NODE_COUNT_OFFSET - (csum ? 8 : 0)) / DxEntry.SIZE;
        }

        /** A fresh interior node holding {@code entries} (entry 0's hash unused). */
        private void writeNode(byte[] b, List<DxEntry> entries) throws ImageFormatException {
            Arrays.fill(b, (byte) 0);
            Le.put32(b, 0, 0);
            setRecLen(b, 0, bs);
            int co = DxNode.NODE_COUNT_OFFSET;
            Le.put16(b, co, nodeLimit());
            Le.put16(b, co + 2, entries.size());
            Le.put32(b, co + 4, entries.get(0).block());
            for (int i = 1; i < entries.size(); i++) {
                entries.get(i).writeTo(b, co + i * DxEntry.SIZE);
            }
            sealDx(seed, b, false, where);
        }

        /** Splits the full index node at path level {@code level} (not the root); its parent has room. */
        private void splitNode(Path p, int level) throws IOException {
            long logical = p.nodes[level];
            DxNode n = node(logical);
            int c = n.count();
            int keep = c / 2;
            List<DxEntry> moved = new ArrayList<>(n.entries().subList(keep, c));
            long key = moved.get(0).hash();
            byte[][] nb = new byte[1][];
            long newLogical = newBlock(MetaKind.DX_NODE, nb);
            writeNode(nb[0], moved);
            byte[] b = tx.modify(phys(logical), MetaKind.DX_NODE, where + ", index block " + logical);
            int co = DxNode.NODE_COUNT_OFFSET;
            Le.put16(b, co + 2, keep);
            Arrays.fill(b, co + keep * DxEntry.SIZE, co + c * DxEntry.SIZE, (byte) 0);
            sealDx(seed, b, false, where);
            insertIndex(p.nodes[level - 1], p.idx[level - 1], key, newLogical);
        }

        /** Moves the full root's entries into a new node below it: the tree gains a level. */
        private void addLevel() throws IOException {
            DxNode root = node(0);
            List<DxEntry> all = new ArrayList<>(root.entries());
            byte[][] nb = new byte[1][];
            long newLogical = newBlock(MetaKind.DX_NODE, nb);
            writeNode(nb[0], all);
            byte[] b = tx.modify(phys(0), MetaKind.DX_NODE, where + ", root");
            int co = DxNode.ROOT_COUNT_OFFSET;
            Le.put16(b, co + 2, 1);
            Le.put32(b, co + 4, newLogical);
            Arrays.fill(b, co + DxEntry.SIZE, co + root.limit() * DxEntry.SIZE, (byte) 0);
            Le.put8(b, DxRootInfo.OFFSET + 6, Le.u8(b, DxRootInfo.OFFSET + 6) + 1);
            sealDx(seed, b, true, where);
        }
    }
}
