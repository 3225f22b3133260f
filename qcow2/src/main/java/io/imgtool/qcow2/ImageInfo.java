package io.imgtool.qcow2;

import io.imgtool.core.Allocation;
import io.imgtool.core.BlockDevice;
import io.imgtool.core.Extent;
import io.imgtool.qcow2.internal.Header;
import io.imgtool.qcow2.internal.HeaderExtension;
import io.imgtool.qcow2.internal.Snapshot;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code qemu-img info} reports about one image (not its backing files); {@link #toJson()}
 * uses qemu-img's JSON field names.
 */
public record ImageInfo(String filename, String format, long virtualSize, long actualSize, int clusterSize,
                        String compat, String compressionType, boolean lazyRefcounts, int refcountBits,
                        boolean corrupt, boolean extendedL2, boolean dirty, String backingFilename,
                        String fullBackingFilename, String backingFormat, List<SnapshotInfo> snapshots,
                        List<String> headerExtensions) {

    /** One internal snapshot. */
    public record SnapshotInfo(String id, String name, long vmStateSize, long dateSec, int dateNsec, long vmClockNsec,
                               long diskSize) {
    }

    static ImageInfo of(Qcow2Image img) throws IOException {
        Header h = img.header();
        List<SnapshotInfo> snaps = new ArrayList<>();
        for (Snapshot s : img.snapshotList()) {
            snaps.add(new SnapshotInfo(s.id(), s.name(), s.vmStateSize(), s.dateSeconds(), s.dateNanos(),
                    s.vmClockNanos(), s.diskSize()));
        }
        List<String> exts = new ArrayList<>();
        for (HeaderExtension e : h.extensions) {
            exts.add(extensionName(e.type()));
        }
        String full = null;
        if (h.backingFile != null) {
            Path p = Path.of(h.backingFile);
            full = p.isAbsolute() ? h.backingFile
                    : img.path().toAbsolutePath().getParent().resolve(h.backingFile).normalize().toString();
        }
        return new ImageInfo(img.path().toString(), "qcow2", img.size(), actualSize(img.hostFile().device()),
                h.clusterSize(), h.version == 2 ? "0.10" : "1.1", h.compressionType == 1 ? "zstd" : "zlib",
                (h.compatible & Header.COMPAT_LAZY_REFCOUNTS) != 0, 1 << h.refcountOrder,
                (h.incompatible & Header.INCOMPAT_CORRUPT) != 0, h.extendedL2(),
                (h.incompatible & Header.INCOMPAT_DIRTY) != 0, h.backingFile, full, h.backingFormat(), snaps, exts);
    }

    /** Info for a raw file. */
    public static ImageInfo ofRaw(Path path, BlockDevice dev) throws IOException {
        return new ImageInfo(path.toString(), "raw", dev.size(), actualSize(dev), 0, null, null, false, 0, false,
                false, false, null, null, null, List.of(), List.of());
    }

    private static long actualSize(BlockDevice dev) throws IOException {
        long n = 0;
        for (Extent e : dev.extents(0, dev.size())) {
            if (e.allocation() != Allocation.UNALLOCATED) {
                n += e.length();
            }
        }
        return n;
    }

    static String extensionName(int type) {
        return switch (type) {
            case HeaderExtension.BACKING_FORMAT -> "backing format";
            case HeaderExtension.FEATURE_NAME_TABLE -> "feature name table";
            case HeaderExtension.BITMAPS -> "bitmaps";
            case HeaderExtension.FULL_DISK_ENCRYPTION -> "full disk encryption";
            case HeaderExtension.EXTERNAL_DATA_FILE -> "external data file";
            default -> "unknown 0x" + Integer.toHexString(type);
        };
    }

    /** The JSON object {@code qemu-img info --output=json} prints, same field names. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("virtual-size", virtualSize);
        m.put("filename", filename);
        if (clusterSize > 0) {
            m.put("cluster-size", clusterSize);
        }
        m.put("format", format);
        m.put("actual-size", actualSize);
        if (!snapshots.isEmpty()) {
            List<Object> l = new ArrayList<>();
            for (SnapshotInfo s : snapshots) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("id", s.id());
                o.put("name", s.name());
                o.put("vm-state-size", s.vmStateSize());
                o.put("date-sec", s.dateSec());
                o.put("date-nsec", s.dateNsec());
                o.put("vm-clock-sec", s.vmClockNsec() / 1_000_000_000L);
                o.put("vm-clock-nsec", s.vmClockNsec() % 1_000_000_000L);
                l.add(o);
            }
            m.put("snapshots", l);
        }
        if ("qcow2".equals(format)) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("compat", compat);
            data.put("compression-type", compressionType);
            data.put("lazy-refcounts", lazyRefcounts);
            data.put("refcount-bits", refcountBits);
            data.put("corrupt", corrupt);
            data.put("extended-l2", extendedL2);
            Map<String, Object> fs = new LinkedHashMap<>();
            fs.put("type", "qcow2");
            fs.put("data", data);
            m.put("format-specific", fs);
        }
        if (backingFilename != null) {
            m.put("backing-filename", backingFilename);
            m.put("full-backing-filename", fullBackingFilename);
            if (backingFormat != null) {
                m.put("backing-filename-format", backingFormat);
            }
        }
        m.put("dirty-flag", dirty);
        return m;
    }
}
