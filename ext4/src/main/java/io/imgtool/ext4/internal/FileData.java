package io.imgtool.ext4.internal;

import io.imgtool.core.ImageFormatException;
import io.imgtool.ext4.FileExtent;
import io.imgtool.ext4.ondisk.Features;
import io.imgtool.ext4.ondisk.Inode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The content of one inode: inline data (i_block plus the {@code system.data} attribute) or blocks
 * through its {@link BlockMap}. Holes and unwritten extents read as zeroes; data is read from the
 * device directly into the caller's buffer, physically contiguous runs in one read.
 */
public final class FileData {

    private final FsContext fs;
    private final long ino;
    private final Inode inode;
    private final long size;
    private final boolean inline;
    private BlockMap map;
    private byte[] inlineBytes;

    public FileData(FsContext fs, long ino, Inode inode) throws ImageFormatException {
        this.fs = fs;
        this.ino = ino;
        this.inode = inode;
        this.size = validSize(fs, ino, inode);
        this.inline = inode.hasFlag(Inode.FL_INLINE_DATA);
        if (inline && !fs.sb.hasIncompat(Features.INCOMPAT_INLINE_DATA)) {
            throw new ImageFormatException("ext4 inode " + ino, "i_flags", fs.inodeOffset(ino) + 0x20,
                    String.format("0x%x", inode.flags()), "INLINE_DATA flag without the inline_data feature");
        }
    }

    /** i_size, checked to be something the mapping can address. */
    public static long validSize(FsContext fs, long ino, Inode inode) throws ImageFormatException {
        long s = inode.size64();
        boolean extents = inode.hasFlag(Inode.FL_EXTENTS);
        long max = fs.geo.maxFileSize(extents);
        if (s < 0 || (inode.isRegular() && s > max)) {
            throw new ImageFormatException("ext4 inode " + ino, "i_size", fs.inodeOffset(ino) + 4,
                    Long.toUnsignedString(s), "larger than the maximum file size " + max);
        }
        return s;
    }

    /** The block map for a block-mapped inode: extent tree or indirect map. */
    public static BlockMap blockMap(FsContext fs, long ino, Inode inode) throws ImageFormatException {
        if (inode.hasFlag(Inode.FL_EXTENTS)) {
            return new ExtentMap(fs, ino, inode);
        }
        return new IndirectMap(fs, ino, inode);
    }

    public long size() {
        return size;
    }

    public boolean isInline() {
        return inline;
    }

    public BlockMap map() throws ImageFormatException {
        if (map == null) {
            map = blockMap(fs, ino, inode);
        }
        return map;
    }

    /**
     * Inline content: i_block then the system.data value, cut to i_size. A file larger than its
     * inline data reads as zeroes past it, as the kernel reads it.
     */
    public byte[] inlineBytes() throws IOException {
        if (inlineBytes == null) {
            byte[] head = inode.blockArea();
            byte[] tail = new XattrReader(fs).inlineDataTail(ino, inode);
            long avail = Math.min(size, (long) head.length + tail.length);
            byte[] all = new byte[(int) avail];
            int n = (int) Math.min(avail, head.length);
            System.arraycopy(head, 0, all, 0, n);
            if (avail > head.length) {
                System.arraycopy(tail, 0, all, head.length, (int) (avail - head.length));
            }
            inlineBytes = all;
        }
        return inlineBytes;
    }

    /**
     * Reads up to {@code dst.remaining()} bytes at {@code pos}; returns the count, or -1 at or past
     * the end of the file.
     */
    public int read(ByteBuffer dst, long pos) throws IOException {
        if (pos >= size) {
            return -1;
        }
        int want = (int) Math.min(dst.remaining(), size - pos);
        if (want == 0) {
            return 0;
        }
        if (inline) {
            byte[] in = inlineBytes();
            int n = (int) Math.max(0, Math.min(want, in.length - pos));
            if (n > 0) {
                dst.put(in, (int) pos, n);
            }
            zero(dst, want - n);
            return want;
        }
        int bs = fs.geo.blockSize;
        int done = 0;
        BlockMap m = map();
        while (done < want) {
            long p = pos + done;
            long logical = p / bs;
            int within = (int) (p % bs);
            Run r = m.find(logical);
            long runBytes = r.length() * bs - within;
            int n = (int) Math.min(want - done, runBytes);
            if (r.kind() == Run.Kind.MAPPED) {
                long devOff = (r.physical() * bs) + within;
                ByteBuffer slice = dst.slice(dst.position(), n);
                fs.dev.read(slice, devOff);
                dst.position(dst.position() + n);
            } else {
                zero(dst, n);
            }
            done += n;
        }
        return done;
    }

    private static void zero(ByteBuffer dst, int n) {
        if (dst.hasArray()) {
            int at = dst.arrayOffset() + dst.position();
            java.util.Arrays.fill(dst.array(), at, at + n, (byte) 0);
            dst.position(dst.position() + n);
        } else {
            for (int i = 0; i < n; i++) {
                dst.put((byte) 0);
            }
        }
    }

    /**
     * The file's byte ranges from {@code from} up to the file size, as data / unwritten / hole, with
     * adjacent ranges of one kind merged ({@code maxExtents} bounds the list; the last extent then
     * reaches to the end of the file as whatever kind comes next).
     */
    public List<FileExtent> extents(long from, int maxExtents) throws IOException {
        List<FileExtent> out = new ArrayList<>();
        if (from >= size) {
            return out;
        }
        if (inline) {
            long avail = inlineBytes().length;
            if (from < avail) {
                out.add(new FileExtent(from, avail - from, FileExtent.Type.DATA, -1));
            }
            if (size > Math.max(from, avail)) {
                out.add(new FileExtent(Math.max(from, avail), size - Math.max(from, avail), FileExtent.Type.HOLE, -1));
            }
            return out;
        }
        int bs = fs.geo.blockSize;
        BlockMap m = map();
        long pos = from;
        while (pos < size) {
            long logical = pos / bs;
            Run r = m.find(logical);
            long start = pos;
            long end = r.end() > size / bs + 1 ? size : Math.min(size, r.end() * bs);
            FileExtent.Type t = switch (r.kind()) {
                case MAPPED -> FileExtent.Type.DATA;
                case UNWRITTEN -> FileExtent.Type.UNWRITTEN;
                case HOLE -> FileExtent.Type.HOLE;
            };
            long phys = t == FileExtent.Type.HOLE ? -1 : r.physical() * bs + (pos - logical * bs);
            FileExtent e = new FileExtent(start, end - start, t, phys);
            if (!out.isEmpty()) {
                FileExtent last = out.get(out.size() - 1);
                boolean contiguous = last.type() == t && (t == FileExtent.Type.HOLE
                        || last.physicalOffset() + last.length() == phys);
                if (contiguous) {
                    out.set(out.size() - 1, new FileExtent(last.offset(), last.length() + e.length(), t,
                            last.physicalOffset()));
                    pos = end;
                    continue;
                }
            }
            if (out.size() >= maxExtents) {
                throw new ImageFormatException("ext4 inode " + ino, -1, "more than " + maxExtents + " extents");
            }
            out.add(e);
            pos = end;
        }
        return out;
    }
}
