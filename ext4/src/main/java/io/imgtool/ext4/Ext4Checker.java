package io.imgtool.ext4;

import io.imgtool.ext4.internal.DirReader;
import io.imgtool.ext4.internal.FileData;
import io.imgtool.ext4.internal.FsContext;
import io.imgtool.ext4.internal.Problems;
import io.imgtool.ext4.internal.Run;
import io.imgtool.ext4.internal.XattrReader;
import io.imgtool.ext4.ondisk.GroupDescriptor;
import io.imgtool.ext4.ondisk.Inode;
import io.imgtool.ext4.ondisk.Superblock;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Verifies a whole filesystem's metadata checksums and the structure of every in-use inode's
 * mapping, directory blocks and attributes, collecting problems instead of stopping (a read-only
 * subset of what e2fsck checks; no cross-checks of counts or bitmaps against use).
 */
final class Ext4Checker {

    private final FsContext base;

    Ext4Checker(FsContext base) {
        this.base = base;
    }

    Ext4CheckReport run() throws IOException {
        Problems problems = new Problems();
        FsContext fs = new FsContext(base.dev, base.sb, ChecksumPolicy.REPORT, problems, 16L << 20);
        Superblock sb = fs.sb;
        if (!fs.csums.verifySuperblock(sb)) {
            problems.add(Ext4Problem.Kind.CHECKSUM, "ext4 superblock", Superblock.OFFSET + Superblock.CHECKSUM_OFFSET,
                    "superblock checksum mismatch");
        }
        int bs = fs.geo.blockSize;
        long inodes = 0;
        long dirs = 0;
        long blocks = 0;
        DirReader dr = new DirReader(fs);
        XattrReader xr = new XattrReader(fs);
        int ibLen = (int) (fs.geo.inodesPerGroup / 8);
        int bbLen = (int) (sb.clustersPerGroup() / 8);
        for (int g = 0; g < fs.groupCount(); g++) {
            GroupDescriptor gd = fs.group(g);
            String w = "ext4 group " + g;
            boolean gdCsum = sb.hasGroupDescCsum();
            byte[] ibitmap = null;
            if (!(gdCsum && gd.hasFlag(GroupDescriptor.INODE_UNINIT))) {
                ibitmap = readBlock(fs, gd.inodeBitmap(), w + " inode bitmap", problems);
                if (ibitmap != null && !fs.csums.verifyInodeBitmap(gd, ibitmap, ibLen)) {
                    problems.add(Ext4Problem.Kind.CHECKSUM, w + " inode bitmap", gd.inodeBitmap() * bs,
                            "inode bitmap checksum mismatch");
                }
            }
            if (!(gdCsum && gd.hasFlag(GroupDescriptor.BLOCK_UNINIT))) {
                byte[] bb = readBlock(fs, gd.blockBitmap(), w + " block bitmap", problems);
                if (bb != null && !fs.csums.verifyBlockBitmap(gd, bb, bbLen)) {
                    problems.add(Ext4Problem.Kind.CHECKSUM, w + " block bitmap", gd.blockBitmap() * bs,
                            "block bitmap checksum mismatch");
                }
            }
            if (ibitmap == null) {
                continue;
            }
            long used = fs.geo.inodesPerGroup - (gdCsum ? gd.itableUnused() : 0);
            for (long i = 0; i < used && i < fs.geo.inodesPerGroup; i++) {
                if ((ibitmap[(int) (i >>> 3)] >> (i & 7) & 1) == 0) {
                    continue;
                }
                long ino = (long) g * fs.geo.inodesPerGroup + i + 1;
                if (ino > fs.geo.inodesCount) {
                    break;
                }
                inodes++;
                try {
                    Inode inode = fs.inode(ino);
                    if (inode.mode() == 0 || (inode.linksCount() == 0 && ino >= sb.firstIno())) {
                        continue;
                    }
                    blocks += checkInode(fs, dr, xr, ino, inode);
                    if (inode.isDirectory()) {
                        dirs++;
                    }
                } catch (IOException e) {
                    problems.add(Ext4Problem.Kind.CORRUPT, "ext4 inode " + ino, -1, e.getMessage());
                }
            }
        }
        return new Ext4CheckReport(problems.list(), fs.groupCount(), inodes, dirs, blocks);
    }

    private static byte[] readBlock(FsContext fs, long block, String what, Problems problems) {
        try {
            byte[] b = new byte[fs.geo.blockSize];
            fs.cache.checkBlock(block, what);
            fs.dev.read(ByteBuffer.wrap(b), block * fs.geo.blockSize);
            return b;
        } catch (IOException e) {
            problems.add(Ext4Problem.Kind.CORRUPT, what, -1, e.getMessage());
            return null;
        }
    }

    private static long checkInode(FsContext fs, DirReader dr, XattrReader xr, long ino, Inode inode) throws IOException {
        long mapped = 0;
        xr.read(ino, inode);
        int type = inode.fileType();
        boolean hasData = type == Inode.S_IFREG || type == Inode.S_IFDIR
                || (type == Inode.S_IFLNK && inode.blocks512(fs.hugeFile, fs.geo.blockSize) > 0);
        if (!hasData) {
            return 0;
        }
        FileData d = new FileData(fs, ino, inode);
        if (!d.isInline()) {
            int bs = fs.geo.blockSize;
            long end = (d.size() + bs - 1) / bs;
            long l = 0;
            while (l < end) {
                Run r = d.map().find(l);
                if (r.kind() != Run.Kind.HOLE) {
                    mapped += Math.min(r.length(), end - l);
                }
                l = r.end();
            }
            d.map().forEachMetadataBlock(b -> { });
        }
        if (inode.isDirectory()) {
            DirReader.Cursor c = dr.open(ino, inode);
            while (c.next() != null) {
                // the cursor records damaged blocks as problems
            }
        }
        return mapped;
    }
}
