package io.imgtool.ext4.write;

import io.imgtool.core.ImageFormatException;
import io.imgtool.ext4.internal.FileData;
import io.imgtool.ext4.internal.FsContext;
import io.imgtool.ext4.ondisk.Features;
import io.imgtool.ext4.ondisk.Inode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;

/**
 * File contents: writing at any offset, truncating (shrink and grow, sparse), releasing every block
 * of a deleted file.
 *
 * <p>Data never overwrites a block the last commit left in use: a write to such a block goes to a
 * newly allocated one (copy on write, partial blocks merged with the old bytes), the mapping is
 * switched in the transaction and the old block freed at commit. Blocks allocated by the running
 * transaction are written in place. So until a commit, the committed state of every file is
 * untouched on disk, and after it the new state is complete: ordered-mode data with atomic
 * overwrites.
 */
final class DataWriter {

    private final FsContext fs;
    private final Transaction tx;
    private final Allocator alloc;
    private final Inodes inodes;
    private final Mappings mappings;
    private final XattrWriter xattrs;
    private final int bs;
    private final long per;

    DataWriter(FsContext fs, Transaction tx, Allocator alloc, Inodes inodes, Mappings mappings, XattrWriter xattrs) {
        this.fs = fs;
        this.tx = tx;
        this.alloc = alloc;
        this.inodes = inodes;
        this.mappings = mappings;
        this.xattrs = xattrs;
        this.bs = fs.geo.blockSize;
        this.per = bs / 512;
    }

    private void addBlocks(Inode inode, long n) {
        inode.setBlocks512(inode.blocks512(fs.hugeFile, bs) + n * per, fs.hugeFile);
    }

    /** The largest size a file of this inode's mapping kind may have. */
    long maxSize(Inode inode) {
        return fs.geo.maxFileSize(inode.hasFlag(Inode.FL_EXTENTS) || inode.hasFlag(Inode.FL_INLINE_DATA)
                && fs.sb.hasIncompat(Features.INCOMPAT_EXTENTS));
    }

    /** Gives an inline-data inode a block mapping with the same content (the kernel's conversion). */
    Inode convertInline(long ino, Inode inode) throws IOException {
        if (!inode.hasFlag(Inode.FL_INLINE_DATA)) {
            return inode;
        }
        byte[] content = new FileData(fs, ino, inode).inlineBytes();
        xattrs.store(ino, inode, removeSystemData(xattrs.load(ino, inode)));
        inode.setFlags(inode.flags() & ~Inode.FL_INLINE_DATA);
        if (fs.sb.hasIncompat(Features.INCOMPAT_EXTENTS)) {
            inode.setFlags(inode.flags() | Inode.FL_EXTENTS);
            inode.setBlockArea(ExtentStore.emptyRoot());
        } else {
            inode.setBlockArea(new byte[Inode.BLOCK_SIZE]);
        }
        inodes.put(ino, inode);
        mappings.forget(ino);
        Inode fresh = inodes.get(ino);
        if (content.length > 0) {
            Mappings.Loaded m = mappings.get(ino, fresh);
            writeBlocks(ino, fresh, m, 0, ByteBuffer.wrap(content));
            m.store().store(m.map(), fresh);
            inodes.put(ino, fresh);
            fresh = inodes.get(ino);
        }
        return fresh;
    }

    private static List<XattrWriter.Attr> removeSystemData(List<XattrWriter.Attr> in) {
        in.removeIf(XattrWriter::isSystemData);
        return in;
    }

    /**
     * Writes {@code src} at byte {@code pos}; returns the bytes written (all of them). Updates size,
     * mtime and ctime. The caller runs this inside an operation.
     */
    int write(long ino, long pos, ByteBuffer src, Instant now) throws IOException {
        Inode inode = inodes.get(ino);
        int n = src.remaining();
        if (n == 0) {
            return 0;
        }
        long end = Math.addExact(pos, n);
        if (end > maxSize(inode)) {
            throw new java.nio.file.FileSystemException("inode " + ino, null,
                    "File too large: " + end + " bytes exceed the maximum " + maxSize(inode));
        }
        inode = convertInline(ino, inode);
        Mappings.Loaded m = mappings.get(ino, inode);
        writeBlocks(ino, inode, m, pos, src);
        m.store().store(m.map(), inode);
        if (end > inode.size64()) {
            inode.setSize(end);
        }
        inode.setMtime(now);
        inode.setCtime(now);
        inodes.put(ino, inode);
        return n;
    }

    private long goalFor(long ino, FileMap map, long logical) {
        FileMap.Seg prev = map.floor(logical);
        if (prev != null) {
            long at = Math.min(logical, prev.end()) - prev.logical();
            return prev.physical() + at;
        }
        FileMap.Seg next = map.next(logical);
        if (next != null) {
            return Math.max(fs.geo.firstDataBlock, next.physical() - (next.logical() - logical));
        }
        return alloc.goalForInode(ino);
    }

    /** The data path of {@link #write}: allocation, copy on write, device writes; mapping updated in memory. */
    private void writeBlocks(long ino, Inode inode, Mappings.Loaded m, long pos, ByteBuffer src) throws IOException {
        FileMap map = m.map();
        long cursor = pos;
        while (src.hasRemaining()) {
            long lb = cursor / bs;
            int within = (int) (cursor % bs);
            long blocksWanted = (within + (long) src.remaining() + bs - 1) / bs;
            FileMap.Seg seg = map.find(lb);
            if (seg == null) {
                FileMap.Seg next = map.next(lb);
                long room = next == null ? blocksWanted : Math.min(blocksWanted, next.logical() - lb);
                long[] run = alloc.allocBlocks(goalFor(ino, map, lb), room, "data of inode " + ino);
                int done = put(run[0], run[1], within, src, null);
                map.put(lb, run[1], run[0], false);
                addBlocks(inode, run[1]);
                cursor += done;
                continue;
            }
            long segLeft = Math.min(seg.end() - lb, blocksWanted);
            long phys = seg.physical() + (lb - seg.logical());
            long here = seg.unwritten() ? 0 : tx.allocatedHereRun(phys, segLeft);
            if (here > 0) {
                cursor += put(phys, here, within, src, phys);
                continue;
            }
            // Copy on write: as many blocks as are not ours, up to the first that is.
            long k = 1;
            while (k < segLeft && tx.allocatedHereRun(phys + k, 1) == 0) {
                k++;
            }
            long[] run = alloc.allocBlocks(goalFor(ino, map, lb), k, "data of inode " + ino);
            long take = run[1];
            int done = put(run[0], take, within, src, seg.unwritten() ? -1L : phys);
            for (FileMap.Seg old : map.remove(lb, lb + take)) {
                tx.freeLater(old.physical(), old.length());
            }
            map.put(lb, take, run[0], false);
            cursor += done;
        }
    }

    /**
     * Writes into {@code count} blocks from {@code dst}, starting {@code within} bytes into the first,
     * as many bytes of {@code src} as fit. Partial blocks keep the bytes of {@code oldPhys}'s blocks
     * ({@code null}: zeroes, a hole; -1: zeroes, unwritten blocks; else the old blocks' bytes).
     * Returns the bytes consumed.
     */
    private int put(long dst, long count, int within, ByteBuffer src, Long oldPhys) throws IOException {
        checkRun(dst, count);
        int n = (int) Math.min(src.remaining(), count * bs - within);
        int consumed = 0;
        long index = 0;
        if (within > 0 || n < bs) {
            int len = Math.min(n, bs - within);
            byte[] blk = oldBlock(oldPhys, 0);
            src.get(blk, within, len);
            fs.dev.write(ByteBuffer.wrap(blk), dst * bs);
            consumed = len;
            index = 1;
        }
        int full = (n - consumed) / bs;
        if (full > 0) {
            ByteBuffer slice = src.slice(src.position(), full * bs);
            fs.dev.write(slice, (dst + index) * bs);
            src.position(src.position() + full * bs);
            consumed += full * bs;
            index += full;
        }
        int tail = n - consumed;
        if (tail > 0) {
            byte[] blk = oldBlock(oldPhys, index);
            src.get(blk, 0, tail);
            fs.dev.write(ByteBuffer.wrap(blk), (dst + index) * bs);
            consumed += tail;
        }
        return consumed;
    }

    private byte[] oldBlock(Long oldPhys, long index) throws IOException {
        byte[] b = new byte[bs];
        if (oldPhys != null && oldPhys >= 0) {
            fs.dev.read(ByteBuffer.wrap(b), (oldPhys + index) * bs);
        }
        return b;
    }

    /** Sets the size: shrinking frees the blocks past it and zeroes the rest of the last block. */
    void truncate(long ino, long size, Instant now) throws IOException {
        Inode inode = inodes.get(ino);
        if (size < 0 || size > maxSize(inode)) {
            throw new IllegalArgumentException("size " + size);
        }
        long old = inode.size64();
        if (size == old) {
            return;
        }
        inode = convertInline(ino, inode);
        Mappings.Loaded m = mappings.get(ino, inode);
        FileMap map = m.map();
        if (size < old) {
            long firstGone = (size + bs - 1) / bs;
            for (FileMap.Seg s : map.remove(firstGone, Long.MAX_VALUE / 2)) {
                tx.freeLater(s.physical(), s.length());
                addBlocks(inode, -s.length());
            }
            int within = (int) (size % bs);
            if (within != 0) {
                FileMap.Seg s = map.find(size / bs);
                if (s != null && !s.unwritten()) {
                    writeBlocks(ino, inode, m, size, ByteBuffer.wrap(new byte[bs - within]));
                }
            }
        }
        m.store().store(map, inode);
        inode.setSize(size);
        inode.setMtime(now);
        inode.setCtime(now);
        inodes.put(ino, inode);
    }

    /** Frees the blocks past i_size (a truncation the orphan list says was interrupted). */
    void trimToSize(long ino) throws IOException {
        Inode inode = inodes.get(ino);
        if (inode.hasFlag(Inode.FL_INLINE_DATA) || !hasBlockMapping(inode)) {
            return;
        }
        Mappings.Loaded m = mappings.get(ino, inode);
        long firstGone = (inode.size64() + bs - 1) / bs;
        boolean any = false;
        for (FileMap.Seg s : m.map().remove(firstGone, Long.MAX_VALUE / 2)) {
            tx.freeLater(s.physical(), s.length());
            addBlocks(inode, -s.length());
            any = true;
        }
        if (any) {
            m.store().store(m.map(), inode);
            inodes.put(ino, inode);
        }
    }

    /**
     * Frees (at commit) every data and mapping block of {@code ino}, for a file being deleted. The
     * inode itself is released at commit.
     */
    void releaseBlocks(long ino, Inode inode) throws IOException {
        if (!inode.hasFlag(Inode.FL_INLINE_DATA) && hasBlockMapping(inode)) {
            Mappings.Loaded m = mappings.get(ino, inode);
            for (FileMap.Seg s : m.map().segments()) {
                tx.freeLater(s.physical(), s.length());
            }
            for (long b : m.store().nodeBlocks()) {
                tx.freeLater(b, 1);
            }
        }
        if (inode.fileAcl() != 0) {
            xattrs.release(ino, inode.fileAcl());
        }
        mappings.forget(ino);
    }

    /** Whether i_block holds a mapping (not a fast symlink's text or a device number). */
    boolean hasBlockMapping(Inode inode) {
        int t = inode.fileType();
        if (t == Inode.S_IFREG || t == Inode.S_IFDIR) {
            return true;
        }
        if (t == Inode.S_IFLNK) {
            long ea = inode.fileAcl() != 0 ? per : 0;
            return inode.blocks512(fs.hugeFile, bs) - ea != 0;
        }
        return false;
    }

    /** Checks that a data block run lies inside the filesystem before it is written. */
    void checkRun(long start, long len) throws ImageFormatException {
        if (start < fs.geo.firstDataBlock || start + len > fs.geo.blocksCount) {
            throw new ImageFormatException("data run", "block", -1, start, "outside the filesystem");
        }
    }
}
