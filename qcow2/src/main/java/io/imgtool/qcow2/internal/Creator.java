package io.imgtool.qcow2.internal;

import io.imgtool.core.ImageException;
import io.imgtool.core.RawFileDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Lays out a new, empty image: header, refcount table, refcount blocks, L1 table, in that order from
 * cluster 0, every refcount counted. The file is written and synced before it is returned, so a new
 * image is never half made: on failure the file is deleted.
 */
public final class Creator {

    private Creator() {
    }

    /** The feature name table imgtool writes (the names qemu uses). */
    public static final List<HeaderExtension.FeatureName> FEATURE_NAMES = List.of(
            new HeaderExtension.FeatureName(0, 0, "dirty bit"),
            new HeaderExtension.FeatureName(0, 1, "corrupt bit"),
            new HeaderExtension.FeatureName(0, 2, "external data file"),
            new HeaderExtension.FeatureName(0, 3, "compression type"),
            new HeaderExtension.FeatureName(0, 4, "extended L2 entries"),
            new HeaderExtension.FeatureName(1, 0, "lazy refcounts"),
            new HeaderExtension.FeatureName(2, 0, "bitmaps"),
            new HeaderExtension.FeatureName(2, 1, "raw external data"));

    /**
     * The header of a new image, without its table offsets and sizes (l1_size, l1_table_offset,
     * refcount_table_offset and _clusters are for the caller to set).
     */
    public static Header header(long size, int clusterBits, int version, int refcountOrder, boolean extendedL2,
                                int compressionType, boolean lazyRefcounts, String backingFile, String backingFormat) {
        Header h = new Header();
        h.version = version;
        h.clusterBits = clusterBits;
        h.size = size;
        h.refcountOrder = refcountOrder;
        if (version == 3) {
            h.headerLength = Header.V3_WRITE_LENGTH;
            h.extraFields = new byte[Header.V3_WRITE_LENGTH - 105];
            h.compressionType = compressionType;
            h.incompatible = (extendedL2 ? Header.INCOMPAT_EXTL2 : 0)
                    | (compressionType != 0 ? Header.INCOMPAT_COMPRESSION : 0);
            h.compatible = lazyRefcounts ? Header.COMPAT_LAZY_REFCOUNTS : 0;
            h.extensions.add(HeaderExtension.featureTable(FEATURE_NAMES));
        }
        if (backingFile != null) {
            h.backingFile = backingFile;
            if (backingFormat != null) {
                h.extensions.add(0, HeaderExtension.ofString(HeaderExtension.BACKING_FORMAT, backingFormat));
            }
        }
        return h;
    }

    /**
     * Creates the file {@code path} (it must not exist).
     *
     * @param version 2 or 3
     * @param compressionType 0 deflate, 1 zstd
     */
    public static void create(Path path, long size, int clusterBits, int version, int refcountOrder, boolean extendedL2,
                              int compressionType, boolean lazyRefcounts, String backingFile, String backingFormat)
            throws IOException {
        if (size < 0) {
            throw ImageException.invalidArgument("negative size " + size);
        }
        Geometry g = new Geometry(clusterBits, extendedL2, refcountOrder);
        long l1Entries = Header.requiredL1Entries(size, clusterBits, extendedL2);
        if (l1Entries * 8 > Header.MAX_L1_BYTES) {
            throw ImageException.invalidArgument("size " + size + " needs an L1 table over 32 MiB; use larger clusters");
        }
        int cs = g.clusterSize();
        // An empty disk has no L1 table at all (l1_size 0, offset 0), as QEMU makes it.
        long l1Clusters = (l1Entries * 8 + cs - 1) / cs;
        long perBlock = 1L << g.refblockBits();
        long rtClusters = 1;
        long blocks = 1;
        long total;
        while (true) {
            total = 1 + rtClusters + blocks + l1Clusters;
            long needBlocks = (total + perBlock - 1) / perBlock;
            long needRt = Math.max(1, (needBlocks * 8 + cs - 1) / cs);
            if (needBlocks == blocks && needRt == rtClusters) {
                break;
            }
            blocks = needBlocks;
            rtClusters = needRt;
        }
        if (rtClusters * cs > Header.MAX_REFTABLE_BYTES) {
            throw ImageException.invalidArgument("image too large for its cluster size");
        }
        Header h = header(size, clusterBits, version, refcountOrder, extendedL2, compressionType, lazyRefcounts,
                backingFile, backingFormat);
        h.l1Size = (int) l1Entries;
        h.refcountTableOffset = (long) cs;
        h.refcountTableClusters = (int) rtClusters;
        long blocksAt = (1 + rtClusters) * cs;
        h.l1TableOffset = l1Clusters == 0 ? 0 : blocksAt + blocks * cs;
        ByteBuffer first = ByteBuffer.allocate(cs);
        h.writeTo(first);
        long end = blocksAt + (blocks + l1Clusters) * cs;
        ByteBuffer rt = ByteBuffer.allocate((int) (rtClusters * cs));
        for (long i = 0; i < blocks; i++) {
            rt.putLong(blocksAt + i * cs);
        }
        rt.clear();
        ByteBuffer rb = ByteBuffer.allocate((int) (blocks * cs));
        for (long c = 0; c < total; c++) {
            RefcountBlock.set(rb, refcountOrder, (int) c, 1); // blocks are contiguous: index c works across them
        }
        // Written under a temporary name and renamed when complete: a new image is never half made,
        // even if the process is killed while creating it.
        if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new java.nio.file.FileAlreadyExistsException(path.toString());
        }
        Path tmp = path.resolveSibling("." + path.getFileName() + ".imgtool-new");
        Files.deleteIfExists(tmp);
        RawFileDevice dev = RawFileDevice.create(tmp, end);
        try (dev) {
            dev.write(first, 0);
            dev.write(rt, cs);
            dev.write(rb, blocksAt);
            dev.flush();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        try {
            Files.move(tmp, path, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }
}
