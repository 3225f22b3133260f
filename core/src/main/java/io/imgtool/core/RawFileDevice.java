package io.imgtool.core;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain file as a device: a raw disk image, or the file under a qcow2 image.
 *
 * <p>Opened writable, it holds an exclusive lock on the whole file for as long as it is open. The
 * lock is a POSIX record lock, the same lock space QEMU's image locking uses, so a running QEMU (or
 * another imgtool) makes the open fail with {@link ImageException.Kind#LOCKED} instead of two writers
 * corrupting one image. Opened read-only, it takes no lock.
 *
 * <p>Where the JVM can call libc (see {@link NativeFiles}) the allocation map comes from
 * {@code SEEK_DATA}/{@code SEEK_HOLE}, {@link #discard} punches holes and {@link #writeZeroes}
 * marks data ranges unwritten; elsewhere everything is reported as data and zeroing skips ranges
 * that already read as zero, so holes are not filled.
 */
public final class RawFileDevice implements ResizableDevice {

    private static final int ZERO_CHUNK = 1 << 20;

    private final Path path;
    private final RandomAccessFile file;
    private final FileChannel channel;
    private final FileLock lock;
    private final boolean writable;
    /** The libc descriptor for SEEK_DATA and hole punching: opened on first use (-2: not yet). */
    private volatile int nativeFd = -2;
    private volatile long size;
    private volatile boolean closed;

    private RawFileDevice(Path path, RandomAccessFile file, FileLock lock, boolean writable) throws IOException {
        this.path = path;
        this.file = file;
        this.channel = file.getChannel();
        this.lock = lock;
        this.writable = writable;
        this.size = channel.size();
    }

    /**
     * The libc descriptor, opened when first needed: commands that never ask for the allocation map
     * (info, check) then never load the native-call machinery, which costs start-up time.
     */
    private int nativeFd() {
        int fd = nativeFd;
        if (fd == -2) {
            synchronized (this) {
                fd = nativeFd;
                if (fd == -2) {
                    fd = closed ? -1 : NativeFiles.open(path, writable);
                    nativeFd = fd;
                }
            }
        }
        return fd;
    }

    /**
     * Starts binding the libc calls behind {@link #extents} and hole punching ({@link #writeZeroes},
     * {@link #discard}) on a background thread, and returns at once. On a cold JVM that binding
     * takes about a tenth of a second, paid at the first hole otherwise; a command that will zero
     * or map a raw file calls this first, so that it overlaps with parsing and opening. Does
     * nothing where native calls are not used (Java 17 to 21, {@code -Dimgtool.native=false}).
     */
    public static void prepareHoleCalls() {
        NativeFiles.bindInBackground();
    }

    /** Opens an existing file, read-only or writable (then exclusively locked). */
    public static RawFileDevice open(Path path, boolean writable) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString());
        }
        if (Files.isDirectory(path)) {
            throw ImageException.invalidArgument(path + " is a directory, not an image");
        }
        RandomAccessFile raf = new RandomAccessFile(path.toFile(), writable ? "rw" : "r");
        try {
            FileLock lock = writable ? lockExclusively(path, raf.getChannel()) : null;
            return new RawFileDevice(path, raf, lock, writable);
        } catch (IOException | RuntimeException e) {
            raf.close();
            throw e;
        }
    }

    /** Creates a new sparse file of {@code size} bytes (it must not exist) and opens it writable. */
    public static RawFileDevice create(Path path, long size) throws IOException {
        if (size < 0) {
            throw ImageException.invalidArgument("negative size " + size);
        }
        if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(path.toString());
        }
        Files.createFile(path);
        RawFileDevice dev = open(path, true);
        try {
            dev.file.setLength(size);
            dev.size = size;
            return dev;
        } catch (IOException | RuntimeException e) {
            dev.close();
            throw e;
        }
    }

    private static FileLock lockExclusively(Path path, FileChannel ch) throws IOException {
        FileLock lock;
        try {
            lock = ch.tryLock(0, Long.MAX_VALUE, false);
        } catch (OverlappingFileLockException e) {
            throw new ImageException(ImageException.Kind.LOCKED,
                    path + " is already open for writing in this process");
        }
        if (lock == null) {
            throw new ImageException(ImageException.Kind.LOCKED,
                    path + " is locked by another process (a running QEMU or another imgtool?)");
        }
        return lock;
    }

    public Path path() {
        return path;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        BlockDevices.checkRange(this, offset, dst.remaining());
        long pos = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                // The file shrank under us (someone else truncated it): its tail reads as zeroes, as
                // a hole would. That keeps reads total; writes would extend the file again.
                while (dst.hasRemaining()) {
                    dst.put((byte) 0);
                }
                return;
            }
            pos += n;
        }
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        BlockDevices.checkWritable(this);
        BlockDevices.checkRange(this, offset, src.remaining());
        long pos = offset;
        while (src.hasRemaining()) {
            pos += channel.write(src, pos);
        }
    }

    @Override
    public void flush() throws IOException {
        if (writable) {
            channel.force(true);
        }
    }

    /**
     * Zeroes the ranges of {@code [offset, offset + length)} that hold data; holes already read as
     * zero and stay holes. Where libc is reachable a data range becomes unwritten extents
     * ({@code fallocate(ZERO_RANGE)}: no bytes written, the storage stays allocated as if zeroes
     * had been), or a hole where the filesystem cannot do that; otherwise zero bytes are written
     * only over blocks that do not already read as zero.
     */
    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        BlockDevices.checkWritable(this);
        BlockDevices.checkRange(this, offset, length);
        if (length == 0) {
            return;
        }
        int fd = nativeFd();
        ByteBuffer buf = null;
        ByteBuffer zeros = null;
        for (Extent e : extents(offset, length)) {
            if (e.allocation().readsAsZero()
                    || NativeFiles.zeroRange(fd, e.offset(), e.length())
                    || NativeFiles.punchHole(fd, e.offset(), e.length())) {
                continue;
            }
            if (buf == null) {
                buf = ByteBuffer.allocateDirect((int) Math.min(ZERO_CHUNK, length));
                zeros = ByteBuffer.allocateDirect(buf.capacity());
            }
            for (long done = 0; done < e.length(); ) {
                int n = (int) Math.min(buf.capacity(), e.length() - done);
                buf.clear().limit(n);
                read(buf, e.offset() + done);
                buf.flip();
                if (!BlockDevices.isZero(buf)) {
                    zeros.clear().limit(n);
                    write(zeros, e.offset() + done);
                }
                done += n;
            }
        }
    }

    /** Punches a hole over the range where libc is reachable and the filesystem can; zeroes it otherwise. */
    @Override
    public void discard(long offset, long length) throws IOException {
        BlockDevices.checkWritable(this);
        BlockDevices.checkRange(this, offset, length);
        if (length == 0 || NativeFiles.punchHole(nativeFd(), offset, length)) {
            return;
        }
        writeZeroes(offset, length);
    }

    @Override
    public List<Extent> extents(long offset, long length) throws IOException {
        BlockDevices.checkRange(this, offset, length);
        List<Extent> out = new ArrayList<>();
        if (length == 0) {
            return out;
        }
        long end = offset + length;
        int fd = nativeFd();
        if (fd < 0) {
            out.add(new Extent(offset, length, Allocation.DATA));
            return out;
        }
        long pos = offset;
        while (pos < end) {
            long data = NativeFiles.nextData(fd, pos);
            if (data == -2) {
                BlockDevices.appendMerged(out, new Extent(pos, end - pos, Allocation.DATA));
                break;
            }
            if (data == -1 || data >= end) {
                BlockDevices.appendMerged(out, new Extent(pos, end - pos, Allocation.UNALLOCATED));
                break;
            }
            if (data > pos) {
                BlockDevices.appendMerged(out, new Extent(pos, data - pos, Allocation.UNALLOCATED));
            }
            long hole = NativeFiles.nextHole(fd, data);
            if (hole < 0 || hole > end) {
                hole = end;
            }
            if (hole <= data) { // cannot happen with a sane kernel; never loop forever on it
                BlockDevices.appendMerged(out, new Extent(data, end - data, Allocation.DATA));
                break;
            }
            BlockDevices.appendMerged(out, new Extent(data, hole - data, Allocation.DATA));
            pos = hole;
        }
        return out;
    }

    @Override
    public void resize(long newSize) throws IOException {
        BlockDevices.checkWritable(this);
        if (newSize < 0) {
            throw ImageException.invalidArgument("negative size " + newSize);
        }
        file.setLength(newSize);
        size = newSize;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (lock != null && lock.isValid()) {
                lock.release();
            }
        } finally {
            synchronized (this) {
                if (nativeFd >= 0) { // never touch NativeFiles (its class loads libc handles) otherwise
                    NativeFiles.close(nativeFd);
                }
                nativeFd = -1;
            }
            file.close();
        }
    }

    @Override
    public String toString() {
        return "raw file " + path;
    }
}
