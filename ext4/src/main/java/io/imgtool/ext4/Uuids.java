package io.imgtool.ext4;

import io.imgtool.core.ImageException;
import io.imgtool.core.ImageFormatException;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.ext4.internal.FileData;
import io.imgtool.ext4.internal.FsContext;
import io.imgtool.ext4.internal.Run;
import io.imgtool.ext4.ondisk.Checksums;
import io.imgtool.ext4.ondisk.DirEntry;
import io.imgtool.ext4.ondisk.DirTail;
import io.imgtool.ext4.ondisk.DxNode;
import io.imgtool.ext4.ondisk.DxRootInfo;
import io.imgtool.ext4.ondisk.ExtentHeader;
import io.imgtool.ext4.ondisk.ExtentIndex;
import io.imgtool.ext4.ondisk.Features;
import io.imgtool.ext4.ondisk.GroupDescriptor;
import io.imgtool.ext4.ondisk.Inode;
import io.imgtool.ext4.ondisk.Le;
import io.imgtool.ext4.ondisk.Superblock;
import io.imgtool.ext4.write.Writer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Changing the filesystem UUID, as tune2fs -U does. Checksums depend on the UUID unless the
 * metadata_csum_seed feature stores the seed: with the seed (or without metadata_csum) the change is
 * one transaction; without it every checksummed structure is rewritten with the new seed, group by
 * group (like tune2fs, not crash-safe while it runs).
 */
final class Uuids {

    private Uuids() {
    }

    static byte[] bytes(UUID u) {
        ByteBuffer b = ByteBuffer.allocate(16);
        b.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        return b.array();
    }

    static void set(FsContext fs, Writer w, UUID uuid, boolean keepSeed) throws IOException {
        byte[] u = bytes(uuid);
        Superblock sb = fs.sb;
        boolean csum = sb.hasMetadataCsum();
        boolean seeded = sb.hasIncompat(Features.INCOMPAT_CSUM_SEED);
        if (csum && !seeded && !keepSeed) {
            rewriteAll(fs, w, u);
            return;
        }
        boolean addSeed = csum && !seeded;
        long seed = fs.csums.seed() & 0xffffffffL;
        try {
            w.run(() -> {
                if (addSeed) {
                    sb.setChecksumSeedField(seed);
                    sb.setFeatureIncompat(sb.featureIncompat() | Features.INCOMPAT_CSUM_SEED);
                }
                sb.setUuid(u);
                fs.csums = Checksums.of(sb);
                if (!csum && sb.hasRoCompat(Features.RO_COMPAT_GDT_CSUM)) {
                    w.restampGroups(); // crc16 descriptor checksums cover the UUID
                }
                w.storeSuperblock();
                SuperblockBackups.update(fs, w, b -> {
                    if (addSeed) {
                        b.setChecksumSeedField(seed);
                        b.setFeatureIncompat(b.featureIncompat() | Features.INCOMPAT_CSUM_SEED);
                    }
                    b.setUuid(u);
                });
                return null;
            });
        } finally {
            fs.csums = Checksums.of(sb);
        }
    }

    // ---- the full rewrite (metadata_csum without metadata_csum_seed) ------------------------------

    private static void rewriteAll(FsContext fs, Writer w, byte[] u) throws IOException {
        Superblock sb = fs.sb;
        if (sb.hasCompat(Features.COMPAT_ORPHAN_FILE)) {
            throw new UnsupportedFeatureException("ext4 superblock", "orphan_file",
                    "rewriting the orphan file's checksums for a new UUID is not implemented (use keepSeed)");
        }
        w.flush();
        Checksums old = fs.csums;
        byte[] saved = sb.toBytes();
        sb.setUuid(u);
        Checksums neu = Checksums.of(sb);
        sb.restore(saved);
        Set<Long> xattrBlocks = new HashSet<>();
        int ipb = fs.geo.blockSize / fs.geo.inodeSize;
        try {
            for (long g = 0; g < fs.groupCount(); g++) {
                GroupDescriptor gd = fs.group(g);
                if (fs.isBadGroup(g)) {
                    throw new ImageFormatException("ext4 group descriptor " + g, -1, fs.badGroupReason(g));
                }
                if (sb.hasGroupDescCsum() && gd.hasFlag(GroupDescriptor.INODE_UNINIT)) {
                    continue;
                }
                long used = fs.geo.inodesPerGroup - (sb.hasGroupDescCsum() ? gd.itableUnused() : 0);
                long tableBlocks = (used + ipb - 1) / ipb;
                for (long t = 0; t < tableBlocks; t++) {
                    final long tb = gd.inodeTable() + t;
                    final long firstIno = g * fs.geo.inodesPerGroup + t * ipb + 1;
                    w.run(() -> {
                        rewriteTableBlock(fs, w, old, neu, tb, firstIno, ipb, xattrBlocks);
                        return null;
                    });
                }
            }
            w.run(() -> {
                sb.setUuid(u);
                fs.csums = neu;
                for (long g = 0; g < fs.groupCount(); g++) {
                    GroupDescriptor gd = fs.group(g);
                    int bbBytes = (int) (sb.clustersPerGroup() / 8);
                    int ibBytes = (int) (fs.geo.inodesPerGroup / 8);
                    if (!gd.hasFlag(GroupDescriptor.BLOCK_UNINIT)) {
                        byte[] bm = fs.cache.get(gd.blockBitmap(), "block bitmap of group " + g);
                        neu.setBlockBitmap(gd, bm, bbBytes);
                    }
                    if (!gd.hasFlag(GroupDescriptor.INODE_UNINIT)) {
                        byte[] im = fs.cache.get(gd.inodeBitmap(), "inode bitmap of group " + g);
                        neu.setInodeBitmap(gd, im, ibBytes);
                    }
                }
                w.restampGroups();
                w.storeSuperblock();
                SuperblockBackups.update(fs, w, b -> b.setUuid(u));
                return null;
            });
        } catch (IOException | RuntimeException e) {
            fs.csums = Checksums.of(sb);
            throw e;
        }
        fs.csums = Checksums.of(sb);
        fs.invalidateAllInodes();
        w.flush();
    }

    private static void rewriteTableBlock(FsContext fs, Writer w, Checksums old, Checksums neu, long tb,
                                          long firstIno, int ipb, Set<Long> xattrBlocks) throws IOException {
        byte[] ro = fs.cache.get(tb, "inode table block " + tb);
        int isz = fs.geo.inodeSize;
        List<Runnable> later = new ArrayList<>();
        byte[] table = null;
        for (int i = 0; i < ipb; i++) {
            long ino = firstIno + i;
            if (ino > fs.geo.inodesCount) {
                break;
            }
            Inode in = Inode.parse(ByteBuffer.wrap(ro, i * isz, isz), isz, "ext4 inode " + ino, tb * fs.geo.blockSize);
            if (in.isZero()) {
                continue;
            }
            boolean live = in.linksCount() > 0 && in.dtime() == 0;
            if (!old.verifyInode(ino, in)) {
                if (live) {
                    throw new ImageFormatException("ext4 inode " + ino, "checksum", tb * fs.geo.blockSize + (long) i * isz,
                            null, "checksum mismatch: refusing to rewrite it");
                }
                continue; // a dead inode with a stale checksum: e2fsck ignores it, leave it
            }
            if (live) {
                rewriteInodeBlocks(fs, w, old, neu, ino, in, xattrBlocks);
            }
            neu.setInode(ino, in);
            if (table == null) {
                table = w.modifyBlock(tb, "inode table block " + tb);
            }
            in.writeTo(ByteBuffer.wrap(table, i * isz, isz));
        }
        later.forEach(Runnable::run);
    }

    private static void rewriteInodeBlocks(FsContext fs, Writer w, Checksums old, Checksums neu, long ino, Inode in,
                                           Set<Long> xattrBlocks) throws IOException {
        int bs = fs.geo.blockSize;
        int oldSeed = old.inodeSeed(ino, in.generation());
        int newSeed = neu.inodeSeed(ino, in.generation());
        if (in.fileAcl() != 0 && xattrBlocks.add(in.fileAcl())) {
            long blk = in.fileAcl();
            byte[] ro = fs.cache.get(blk, "extended attribute block " + blk);
            if (!old.verifyXattrBlock(blk, ro)) {
                throw new ImageFormatException("extended attribute block " + blk, -1, "checksum mismatch");
            }
            byte[] b = w.modifyBlock(blk, "extended attribute block " + blk);
            neu.setXattrBlock(blk, b);
        }
        if (in.hasFlag(Inode.FL_INLINE_DATA)) {
            return;
        }
        boolean dir = in.isDirectory();
        List<Long> dirBlocks = new ArrayList<>();
        if (dir) {
            FileData fd = new FileData(fs, ino, in);
            long n = (fd.size() + bs - 1) / bs;
            for (long l = 0; l < n; ) {
                Run r = fd.map().find(l);
                long len = Math.min(r.length(), n - l);
                if (r.kind() == Run.Kind.MAPPED) {
                    for (long k = 0; k < len; k++) {
                        dirBlocks.add(r.physical() + k);
                    }
                }
                l += len;
            }
        }
        boolean hashed = in.hasFlag(Inode.FL_INDEX);
        for (long blk : dirBlocks) {
            byte[] ro = fs.cache.get(blk, "directory block " + blk + " of inode " + ino);
            if (DirTail.isPresent(ro, bs)) {
                if (!old.verifyDirLeaf(oldSeed, ro, bs)) {
                    throw new ImageFormatException("directory block " + blk + " of inode " + ino, -1, "checksum mismatch");
                }
                neu.setDirLeaf(newSeed, w.modifyBlock(blk, "directory block " + blk), bs);
                continue;
            }
            DxNode node = hashed ? dxNode(ro, bs) : null;
            if (node == null) {
                throw new ImageFormatException("directory block " + blk + " of inode " + ino, -1,
                        "neither a checksummed leaf nor an index node");
            }
            if (!old.verifyDxNode(oldSeed, ro, node, bs)) {
                throw new ImageFormatException("htree block " + blk + " of inode " + ino, -1, "checksum mismatch");
            }
            neu.setDxNode(newSeed, w.modifyBlock(blk, "htree block " + blk), node);
        }
        if (in.hasFlag(Inode.FL_EXTENTS)) {
            rewriteExtentNodes(fs, w, old, neu, ino, in.blockArea(), oldSeed, newSeed, 0);
        }
    }

    private static DxNode dxNode(byte[] b, int bs) {
        try {
            if (DxNode.looksLikeNode(b, bs)) {
                return DxNode.parse(b, bs, false, "htree node", -1);
            }
            if (DirEntry.decodeRecLen(Le.u16(b, 4), bs) == 12 && DxRootInfo.parse(b).infoLength() == DxRootInfo.SIZE) {
                return DxNode.parse(b, bs, true, "htree root", -1);
            }
        } catch (ImageFormatException e) {
            return null;
        }
        return null;
    }

    private static void rewriteExtentNodes(FsContext fs, Writer w, Checksums old, Checksums neu, long ino, byte[] node,
                                           int oldSeed, int newSeed, int guard) throws IOException {
        if (guard > ExtentHeader.MAX_DEPTH + 1) {
            throw new ImageFormatException("extent tree of inode " + ino, -1, "too deep");
        }
        ExtentHeader h = ExtentHeader.parse(node, 0);
        if (h.magic() != ExtentHeader.MAGIC || h.depth() == 0) {
            return;
        }
        for (int i = 0; i < h.entries(); i++) {
            long child = ExtentIndex.parse(node, ExtentHeader.SIZE + 12 * i).leafBlock();
            fs.cache.checkBlock(child, "extent tree of inode " + ino);
            byte[] ro = fs.cache.get(child, "extent node " + child + " of inode " + ino);
            ExtentHeader ch = ExtentHeader.parse(ro, 0);
            if (ch.magic() != ExtentHeader.MAGIC || !old.verifyExtentBlock(oldSeed, ro, ch)) {
                throw new ImageFormatException("extent node " + child + " of inode " + ino, -1, "bad header or checksum");
            }
            rewriteExtentNodes(fs, w, old, neu, ino, ro.clone(), oldSeed, newSeed, guard + 1);
            neu.setExtentBlock(newSeed, w.modifyBlock(child, "extent node " + child), ch);
        }
    }

    static void checkWriter(Writer w) throws ImageException {
        w.checkUsable();
    }
}
