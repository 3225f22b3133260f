package io.imgtool.ext4.internal;

import io.imgtool.core.ImageFormatException;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.ext4.ChecksumPolicy;
import io.imgtool.ext4.ondisk.Checksums;
import io.imgtool.ext4.ondisk.DirEntry;
import io.imgtool.ext4.ondisk.DirTail;
import io.imgtool.ext4.ondisk.DxNode;
import io.imgtool.ext4.ondisk.DxRootInfo;
import io.imgtool.ext4.ondisk.Features;
import io.imgtool.ext4.ondisk.Inode;
import io.imgtool.ext4.ondisk.Le;
import java.io.IOException;
import java.text.Normalizer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.Locale;

/**
 * Reads directories: linear iteration over blocks (or inline data) and name lookup, through the
 * htree index when the directory has one.
 *
 * <p>Damage handling: a corrupt block (bad rec_len, inode out of range, checksum mismatch) is
 * recorded as a problem and skipped, and iteration goes on with the next block, as the kernel's
 * readdir does; under {@link ChecksumPolicy#STRICT} the cursor then ends with an exception naming
 * the first damaged block, after every readable entry was returned.
 */
public final class DirReader {

    private final FsContext fs;

    public DirReader(FsContext fs) {
        this.fs = fs;
    }

    /** Refuses directories whose names cannot be read as stored. */
    public void checkReadable(long ino, Inode dir) throws IOException {
        if (!dir.isDirectory()) {
            throw new ImageFormatException("ext4 inode " + ino, -1, "not a directory");
        }
        if (dir.hasFlag(Inode.FL_ENCRYPT)) {
            throw new UnsupportedFeatureException("ext4 inode " + ino, "encrypt",
                    "encrypted directory (fscrypt): names and contents are not decrypted");
        }
    }

    /** A cursor over the live entries ("." and ".." excluded). */
    public Cursor open(long ino, Inode dir) throws IOException {
        checkReadable(ino, dir);
        return new Cursor(ino, dir);
    }

    /** Iterates a directory lazily, block by block. */
    public final class Cursor {
        private final long ino;
        private final Inode dir;
        private final FileData data;
        private final long blocks;
        private final int seed;
        private long nextBlock;
        private int regionIndex; // inline: 0 = i_block, 1 = system.data
        private DirBlock current;
        private int pos;
        private ImageFormatException firstError;

        Cursor(long ino, Inode dir) throws IOException {
            this.ino = ino;
            this.dir = dir;
            this.data = new FileData(fs, ino, dir);
            this.blocks = data.isInline() ? 0 : (data.size() + fs.geo.blockSize - 1) / fs.geo.blockSize;
            this.seed = fs.inodeSeed(ino, dir);
        }

        /** The next live entry, or null at the end (then, under STRICT, the first damage is thrown). */
        public DirEntry next() throws IOException {
            while (true) {
                if (current != null && pos < current.entries().size()) {
                    DirEntry e = current.entries().get(pos++);
                    if (!e.isDotOrDotDot()) {
                        return e;
                    }
                    continue;
                }
                if (!advance()) {
                    if (firstError != null && fs.policy == ChecksumPolicy.STRICT) {
                        ImageFormatException e = firstError;
                        firstError = null;
                        throw e;
                    }
                    return null;
                }
            }
        }

        private boolean advance() throws IOException {
            current = null;
            pos = 0;
            if (data.isInline()) {
                if (regionIndex >= 2) {
                    return false;
                }
                current = inlineRegion(ino, dir, regionIndex++);
                return true;
            }
            while (nextBlock < blocks) {
                Run r = data.map().find(nextBlock);
                if (r.kind() != Run.Kind.MAPPED) {
                    nextBlock = Math.min(blocks, r.end()); // holes and unwritten blocks hold no entries
                    continue;
                }
                long logical = nextBlock++;
                try {
                    current = block(ino, seed, logical, r.physical());
                } catch (ImageFormatException e) {
                    if (firstError == null) {
                        firstError = e;
                    }
                    continue;
                }
                if (current.error() != null) {
                    ImageFormatException e = new ImageFormatException(blockName(ino, logical, r.physical()),
                            fs.blockOffset(r.physical()) + current.errorOffset(), current.error());
                    if (firstError == null) {
                        firstError = e;
                    }
                }
                return true;
            }
            return false;
        }
    }

    private static String blockName(long ino, long logical, long physical) {
        return "directory block " + logical + " (block " + physical + ") of inode " + ino;
    }

    /** The two inline regions: i_block after the 4-byte parent number, and the system.data value. */
    private DirBlock inlineRegion(long ino, Inode dir, int index) throws IOException {
        byte[] region = index == 0 ? dir.blockArea() : new XattrReader(fs).inlineDataTail(ino, dir);
        int from = index == 0 ? 4 : 0;
        if (region.length <= from) {
            return new DirBlock(java.util.List.of(), null, -1);
        }
        DirBlock b = DirBlock.parse(region, from, region.length, fs.geo.blockSize, fs.filetype, fs.geo.inodesCount);
        if (b.error() != null) {
            fs.corrupt("inline directory of inode " + ino, -1, b.error() + " at offset " + b.errorOffset());
        }
        return b;
    }

    /** The parent directory of an inline directory (its first four bytes). */
    public static long inlineParent(Inode dir) {
        return dir.blockWord(0);
    }

    /** Reads, checksums and parses directory block {@code logical} (at {@code physical}). */
    DirBlock block(long ino, int seed, long logical, long physical) throws IOException {
        String where = blockName(ino, logical, physical);
        BlockCache.Entry e = fs.cache.entry(physical, where);
        if (e.parsed() instanceof DirBlock db) {
            return db;
        }
        byte[] b = e.data();
        int bs = fs.geo.blockSize;
        if (!e.verified() && fs.csums.enabled()) {
            verifyChecksum(b, seed, where, physical);
            e.markVerified();
        }
        DirBlock db = DirBlock.parse(b, 0, bs, bs, fs.filetype, fs.geo.inodesCount);
        if (db.error() != null) {
            fs.corrupt(where, fs.blockOffset(physical) + db.errorOffset(), db.error());
        }
        e.setParsed(db);
        return db;
    }

    private void verifyChecksum(byte[] b, int seed, String where, long physical) throws IOException {
        int bs = fs.geo.blockSize;
        long off = fs.blockOffset(physical);
        if (DirTail.isPresent(b, bs)) {
            if (!fs.csums.verifyDirLeaf(seed, b, bs)) {
                fs.checksumMismatch(where, off, String.format("directory block checksum 0x%08x, computed 0x%08x",
                        DirTail.parse(b, bs).checksum(), fs.csums.dirLeaf(seed, b, bs)));
            }
            return;
        }
        DxNode node = dxNodeOf(b, where, off);
        if (node != null) {
            if (!fs.csums.verifyDxNode(seed, b, node, bs)) {
                fs.checksumMismatch(where, off, Checksums.dxHasTail(node, bs)
                        ? String.format("htree node checksum 0x%08x, computed 0x%08x",
                        Le.u32(b, node.tailOffset() + 4), fs.csums.dxNode(seed, b, node))
                        : "htree node has no room for its checksum tail");
            }
            return;
        }
        fs.checksumMismatch(where, off, "directory block has no checksum tail");
    }

    /** The index in a root or interior htree block, or null when the block is neither. */
    private DxNode dxNodeOf(byte[] b, String where, long off) {
        int bs = fs.geo.blockSize;
        try {
            if (DxNode.looksLikeNode(b, bs)) {
                return DxNode.parse(b, bs, false, where, off);
            }
            if (DirEntry.decodeRecLen(Le.u16(b, 4), bs) == 12
                    && DirEntry.decodeRecLen(Le.u16(b, 12 + 4), bs) == bs - 12) {
                DxRootInfo info = DxRootInfo.parse(b);
                if (info.reservedZero() == 0 && info.infoLength() == DxRootInfo.SIZE) {
                    return DxNode.parse(b, bs, true, where, off);
                }
            }
        } catch (ImageFormatException e) {
            return null;
        }
        return null;
    }

    // ---- lookup -----------------------------------------------------------------------------------

    /** The entry named {@code name} in directory {@code ino}, or null when there is none. */
    public DirEntry lookup(long ino, Inode dir, byte[] name) throws IOException {
        checkReadable(ino, dir);
        if (name.length == 0 || name.length > DirEntry.MAX_NAME) {
            return null;
        }
        if (dir.hasFlag(Inode.FL_CASEFOLD) && fs.sb.hasIncompat(Features.INCOMPAT_CASEFOLD)) {
            return linear(ino, dir, name, true);
        }
        if (dir.hasFlag(Inode.FL_INDEX) && fs.sb.hasCompat(Features.COMPAT_DIR_INDEX)
                && !dir.hasFlag(Inode.FL_INLINE_DATA)) {
            try {
                return new Htree(ino, dir).lookup(name);
            } catch (HtreeUnusable e) {
                fs.corrupt("htree index of directory inode " + ino, e.offset, e.getMessage() + "; searching linearly");
            }
        }
        return linear(ino, dir, name, false);
    }

    private DirEntry linear(long ino, Inode dir, byte[] name, boolean casefold) throws IOException {
        Cursor c = open(ino, dir);
        String folded = casefold ? fold(name) : null;
        while (true) {
            DirEntry e = c.next();
            if (e == null) {
                return null;
            }
            if (Arrays.equals(e.name(), name)) {
                return e;
            }
            if (casefold && folded.equals(fold(e.name()))) {
                return e;
            }
        }
    }

    /** Approximates the kernel's utf8 casefold (NFD + case folding) with the JDK. */
    static String fold(byte[] name) {
        String s = new String(name, java.nio.charset.StandardCharsets.UTF_8);
        return Normalizer.normalize(Normalizer.normalize(s, Normalizer.Form.NFD).toUpperCase(Locale.ROOT)
                .toLowerCase(Locale.ROOT), Normalizer.Form.NFD);
    }

    /** The index cannot be used (bad root, unknown hash, damaged node): fall back to a linear search. */
    private static final class HtreeUnusable extends Exception {
        private static final long serialVersionUID = 1L;
        final long offset;

        HtreeUnusable(String msg, long offset) {
            super(msg, null, false, false);
            this.offset = offset;
        }
    }

    /** One htree lookup, as ext4's dx_probe and ext4_htree_next_block. */
    private final class Htree {
        private final long ino;
        private final Inode dir;
        private final FileData data;
        private final int seed;
        private final long blocks;

        Htree(long ino, Inode dir) throws IOException {
            this.ino = ino;
            this.dir = dir;
            this.data = new FileData(fs, ino, dir);
            this.seed = fs.inodeSeed(ino, dir);
            this.blocks = (data.size() + fs.geo.blockSize - 1) / fs.geo.blockSize;
        }

        private long physical(long logical) throws IOException, HtreeUnusable {
            if (logical >= blocks) {
                throw new HtreeUnusable("index points at block " + logical + " past the directory's end", -1);
            }
            Run r = data.map().find(logical);
            if (r.kind() != Run.Kind.MAPPED) {
                throw new HtreeUnusable("index points at unmapped block " + logical, -1);
            }
            return r.physical();
        }

        private DxNode node(long logical, boolean root, java.util.Set<Long> seen) throws IOException, HtreeUnusable {
            if (!seen.add(logical)) {
                throw new HtreeUnusable("index loop at block " + logical, -1);
            }
            long phys = physical(logical);
            String where = "htree " + (root ? "root" : "node") + " (block " + phys + ") of directory inode " + ino;
            BlockCache.Entry e = fs.cache.entry(phys, where);
            byte[] b = e.data();
            long off = fs.blockOffset(phys);
            int bs = fs.geo.blockSize;
            if (!root && !DxNode.looksLikeNode(b, bs)) {
                throw new HtreeUnusable("block " + logical + " is not an index node", off);
            }
            DxNode n;
            try {
                n = DxNode.parse(b, bs, root, where, off);
            } catch (ImageFormatException ex) {
                throw new HtreeUnusable(ex.getMessage(), off);
            }
            if (!e.verified() && fs.csums.enabled()) {
                if (!fs.csums.verifyDxNode(seed, b, n, bs)) {
                    fs.checksumMismatch(where, off, "htree node checksum mismatch");
                }
                e.markVerified();
            }
            return n;
        }

        DirEntry lookup(byte[] name) throws IOException, HtreeUnusable {
            int bs = fs.geo.blockSize;
            java.util.Set<Long> seen = new java.util.HashSet<>();
            DxNode root = node(0, true, seen);
            long rootPhys = physical(0);
            byte[] rb = fs.cache.get(rootPhys, "htree root of directory inode " + ino);
            DxRootInfo info = DxRootInfo.parse(rb);
            long rootOff = fs.blockOffset(rootPhys);
            if (DirEntry.decodeRecLen(Le.u16(rb, 4), bs) != 12 || info.reservedZero() != 0
                    || info.infoLength() != DxRootInfo.SIZE) {
                throw new HtreeUnusable("bad htree root", rootOff);
            }
            int maxLevels = fs.sb.hasIncompat(Features.INCOMPAT_LARGEDIR) ? 3 : 2;
            if (info.indirectLevels() >= maxLevels) {
                throw new HtreeUnusable("indirect_levels " + info.indirectLevels() + " too deep", rootOff + 0x1E);
            }
            int version = info.hashVersion();
            if (version <= DxRootInfo.HASH_TEA && (fs.sb.flags() & io.imgtool.ext4.ondisk.Superblock.FLAG_UNSIGNED_HASH) != 0) {
                version += 3;
            }
            if (!DxHash.isSupported(version)) {
                throw new HtreeUnusable("hash version " + DxRootInfo.hashName(info.hashVersion()) + " not supported",
                        rootOff + 0x1C);
            }
            int hash = DxHash.hash(version, name, 0, name.length, fs.hashSeed).major();
            // Descend, keeping the path for the collision continuation.
            Deque<long[]> frames = new ArrayDeque<>(); // {logical block of node, index}
            java.util.List<DxNode> nodes = new ArrayList<>();
            DxNode n = root;
            long nodeLogical = 0;
            for (int level = 0; ; level++) {
                int i = floor(n, hash);
                frames.push(new long[] {nodeLogical, i});
                nodes.add(n);
                long child = n.entries().get(i).block();
                if (level == info.indirectLevels()) {
                    return searchLeaves(name, hash, child, frames, nodes, seen);
                }
                nodeLogical = child;
                n = node(child, false, seen);
            }
        }

        private int floor(DxNode n, int hash) {
            int lo = 1;
            int hi = n.count() - 1;
            int ans = 0;
            long h = hash & 0xffffffffL;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (n.entries().get(mid).hash() <= h) {
                    ans = mid;
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            return ans;
        }

        private DirEntry searchLeaves(byte[] name, int hash, long leaf, Deque<long[]> frames,
                                      java.util.List<DxNode> nodes, java.util.Set<Long> seen)
                throws IOException, HtreeUnusable {
            java.util.Set<Long> leavesSeen = new java.util.HashSet<>();
            long[][] path = frames.toArray(new long[0][]);
            // path[0] is the deepest frame; nodes.get(k) pairs with path[depth - 1 - k]
            int depth = path.length;
            long[] idx = new long[depth];
            DxNode[] ns = new DxNode[depth];
            for (int k = 0; k < depth; k++) {
                idx[k] = path[depth - 1 - k][1];
                ns[k] = nodes.get(k);
            }
            while (true) {
                if (!leavesSeen.add(leaf) || leavesSeen.size() > blocks) {
                    throw new HtreeUnusable("leaf loop at block " + leaf, -1);
                }
                long phys = physical(leaf);
                DirBlock db = block(ino, seed, leaf, phys);
                DirEntry hit = db.find(name);
                if (hit != null) {
                    return hit;
                }
                if (db.error() != null) {
                    throw new HtreeUnusable("damaged leaf block " + leaf + ": " + db.error(), fs.blockOffset(phys));
                }
                // Next block: only if it continues this hash (collision bit chains).
                int k = depth - 1;
                while (k >= 0 && idx[k] + 1 >= ns[k].count()) {
                    k--;
                }
                if (k < 0) {
                    return null;
                }
                idx[k]++;
                long bhash = ns[k].entries().get((int) idx[k]).hash();
                if ((bhash & ~1L) != (hash & 0xffffffffL)) {
                    return null;
                }
                long child = ns[k].entries().get((int) idx[k]).block();
                for (int j = k + 1; j < depth; j++) {
                    ns[j] = node(child, false, seen);
                    idx[j] = 0;
                    child = ns[j].entries().get(0).block();
                }
                leaf = child;
            }
        }
    }
}
