package io.imgtool.qemu;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.core.ResizableDevice;
import io.imgtool.qcow2.DiskImage;
import io.imgtool.qcow2.ImageInfo;
import io.imgtool.qcow2.Qcow2Image;
import io.imgtool.qcow2.Qcow2Options;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * An {@link Overlay} made and committed by imgtool's own qcow2 engine, without qemu-img: the overlay
 * is a qcow2 image whose backing file is the base (absolute name, format stated); commit copies what
 * the overlay itself holds — data clusters and zero clusters, nothing from the base — into the base
 * through its {@link BlockDevice}, flushes it, then deletes the overlay.
 *
 * <p>The base is written like any imgtool write: a qcow2 base in the order that leaves it at worst
 * leaking clusters if the process dies, a raw base in place. An interrupted commit leaves the overlay
 * in place, so committing again finishes the job (as with {@code qemu-img commit}).
 *
 * <p>{@link #factory(Overlay.Factory)} uses this implementation where imgtool can write the base and
 * the fallback (qemu-img) where it cannot: a qcow2 base with internal snapshots, persistent bitmaps
 * (imgtool would mark them inconsistent; qemu-img keeps them up to date), or the dirty or corrupt bit.
 */
public final class Qcow2Overlay implements Overlay {

    private static final int CHUNK = 4 << 20;

    private final Path base;
    private final DiskFormat baseFormat;
    private final Path file;
    private boolean ended;

    private Qcow2Overlay(Path base, DiskFormat baseFormat, Path file) {
        this.base = base;
        this.baseFormat = baseFormat;
        this.file = file;
    }

    /** Native overlays where imgtool can commit into the base, {@code fallback} elsewhere. */
    public static Overlay.Factory factory(Overlay.Factory fallback) {
        return (base, baseFormat, overlay) -> unsupportedReason(base, baseFormat) == null
                ? create(base, baseFormat, overlay) : fallback.create(base, baseFormat, overlay);
    }

    /** Why imgtool cannot commit into {@code base} (a qemu-img overlay is needed then), or null. */
    public static String unsupportedReason(Path base, DiskFormat baseFormat) throws IOException {
        if (baseFormat == DiskFormat.RAW) {
            return null;
        }
        try (Qcow2Image img = Qcow2Image.open(base, false)) {
            ImageInfo info = img.info();
            if (!info.snapshots().isEmpty()) {
                return "the base has internal snapshots";
            }
            if (info.headerExtensions().stream().anyMatch(e -> e.toLowerCase(java.util.Locale.ROOT).contains("bitmap"))) {
                return "the base has persistent bitmaps";
            }
            if (info.dirty() || info.corrupt()) {
                return "the base is marked " + (info.dirty() ? "dirty" : "corrupt");
            }
            return null;
        }
    }

    /** Creates {@code overlay} (which must not exist) over {@code base}. */
    public static Qcow2Overlay create(Path base, DiskFormat baseFormat, Path overlay) throws IOException {
        if (Files.exists(overlay)) {
            throw new FileAlreadyExistsException(overlay.toString());
        }
        Qcow2Options o = Qcow2Options.builder().size(-1)
                .backingFile(base.toAbsolutePath().toString(), baseFormat.qemuName()).build();
        Qcow2Image.create(overlay, o).close();
        return new Qcow2Overlay(base, baseFormat, overlay);
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public synchronized void commit() throws IOException {
        if (ended) {
            throw new IllegalStateException("overlay " + file + " was already committed or discarded");
        }
        DiskImage.Format f = baseFormat == DiskFormat.RAW ? DiskImage.Format.RAW : DiskImage.Format.QCOW2;
        try (Qcow2Image top = Qcow2Image.open(file, false)) {
            // The overlay's own clusters, listed before the base is touched (the map of what lies
            // below would read the base while it changes).
            List<Qcow2Image.MapEntry> own = top.map(0, top.size()).stream()
                    .filter(e -> e.depth() == 0 && e.present()).toList();
            try (BlockDevice dst = DiskImage.open(base, f, true)) {
                if (top.size() > dst.size()) {
                    if (!(dst instanceof ResizableDevice r)) {
                        throw ImageException.invalidArgument("the overlay grew past the base, which cannot be resized");
                    }
                    r.resize(top.size());
                }
                ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
                for (Qcow2Image.MapEntry e : own) {
                    long end = Math.min(e.start() + e.length(), dst.size());
                    if (e.data()) {
                        for (long pos = e.start(); pos < end; ) {
                            int n = (int) Math.min(CHUNK, end - pos);
                            buf.clear().limit(n);
                            top.read(buf, pos);
                            buf.flip();
                            dst.write(buf, pos);
                            pos += n;
                        }
                    } else if (e.zero() && end > e.start()) {
                        dst.writeZeroes(e.start(), end - e.start());
                    }
                }
                dst.flush();
            }
        }
        ended = true;
        Files.deleteIfExists(file);
    }

    @Override
    public synchronized void discard() throws IOException {
        ended = true;
        Files.deleteIfExists(file);
    }
}
