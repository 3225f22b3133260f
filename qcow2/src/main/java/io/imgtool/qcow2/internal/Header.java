package io.imgtool.qcow2.internal;

import io.imgtool.core.ImageFormatException;
import io.imgtool.core.UnsupportedFeatureException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The qcow2 header: the fixed fields (v2: 72 bytes, v3: {@code header_length} bytes, unknown
 * additional fields kept), the header extensions that follow and the backing file name, all in the
 * first cluster. {@link #parse} validates everything that can be checked without reading further;
 * {@link #writeTo} lays the first cluster out again.
 *
 * <p>Fields are public and mutable: this is an internal value holder owned by one image.
 */
public final class Header {

    public static final String STRUCT = "qcow2 header";
    public static final int MAGIC = 0x514649fb;
    public static final int V2_LENGTH = 72;
    public static final int V3_LENGTH = 104;
    /** Length imgtool writes for v3: through compression_type, padded to 8. */
    public static final int V3_WRITE_LENGTH = 112;

    public static final long INCOMPAT_DIRTY = 1;
    public static final long INCOMPAT_CORRUPT = 1 << 1;
    public static final long INCOMPAT_DATA_FILE = 1 << 2;
    public static final long INCOMPAT_COMPRESSION = 1 << 3;
    public static final long INCOMPAT_EXTL2 = 1 << 4;
    public static final long INCOMPAT_KNOWN = 0x1f;
    public static final long COMPAT_LAZY_REFCOUNTS = 1;
    public static final long AUTOCLEAR_BITMAPS = 1;
    public static final long AUTOCLEAR_DATA_FILE_RAW = 2;

    /** qemu's limits, which keep hostile images from making us allocate gigabytes. */
    public static final long MAX_L1_BYTES = 32L << 20;
    public static final long MAX_REFTABLE_BYTES = 8L << 20;
    public static final int MAX_SNAPSHOTS = 65536;

    public int version;
    public long backingFileOffset;
    public int backingFileSize;
    public int clusterBits;
    public long size;
    public int cryptMethod;
    public int l1Size;
    public long l1TableOffset;
    public long refcountTableOffset;
    public int refcountTableClusters;
    public int nbSnapshots;
    public long snapshotsOffset;
    public long incompatible;
    public long compatible;
    public long autoclear;
    public int refcountOrder = 4;
    public int headerLength = V2_LENGTH;
    public int compressionType;
    /** Bytes of the v3 header past offset 105 (unknown additional fields, padding), kept as read. */
    public byte[] extraFields = new byte[0];
    public List<HeaderExtension> extensions = new ArrayList<>();
    public String backingFile;

    public int clusterSize() {
        return 1 << clusterBits;
    }

    public boolean extendedL2() {
        return (incompatible & INCOMPAT_EXTL2) != 0;
    }

    public HeaderExtension extension(int type) {
        for (HeaderExtension e : extensions) {
            if (e.type() == type) {
                return e;
            }
        }
        return null;
    }

    public void setExtension(int type, HeaderExtension ext) {
        extensions.removeIf(e -> e.type() == type);
        if (ext != null) {
            extensions.add(ext);
        }
    }

    /** The backing format named by the header extension, or null. */
    public String backingFormat() {
        HeaderExtension e = extension(HeaderExtension.BACKING_FORMAT);
        return e == null ? null : e.dataAsString();
    }

    /**
     * Parses and validates the first cluster of an image.
     *
     * @param first at least the first 512 bytes of the file (the whole first cluster when available)
     * @param fileSize size of the image file, to reject tables outside it
     */
    public static Header parse(ByteBuffer first, long fileSize) throws ImageFormatException, UnsupportedFeatureException {
        ByteBuffer b = first.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN);
        if (b.remaining() < V2_LENGTH) {
            throw new ImageFormatException(STRUCT, null, 0, null, "file of " + b.remaining()
                    + " bytes is too short for a qcow2 header (72 bytes)");
        }
        Header h = new Header();
        int magic = b.getInt(0);
        if (magic != MAGIC) {
            throw new ImageFormatException(STRUCT, "magic", 0, "0x" + Integer.toHexString(magic), "not a qcow2 image");
        }
        h.version = b.getInt(4);
        if (h.version != 2 && h.version != 3) {
            throw new UnsupportedFeatureException(STRUCT, "qcow2 version " + h.version, "only versions 2 and 3 exist");
        }
        h.backingFileOffset = b.getLong(8);
        h.backingFileSize = b.getInt(16);
        h.clusterBits = b.getInt(20);
        h.size = b.getLong(24);
        h.cryptMethod = b.getInt(32);
        h.l1Size = b.getInt(36);
        h.l1TableOffset = b.getLong(40);
        h.refcountTableOffset = b.getLong(48);
        h.refcountTableClusters = b.getInt(56);
        h.nbSnapshots = b.getInt(60);
        h.snapshotsOffset = b.getLong(64);
        if (h.clusterBits < 9 || h.clusterBits > 21) {
            throw new ImageFormatException(STRUCT, "cluster_bits", 20, Integer.toUnsignedString(h.clusterBits),
                    "cluster size must be 512 B to 2 MiB (cluster_bits 9 to 21)");
        }
        int cs = h.clusterSize();
        if (h.version == 3) {
            if (b.remaining() < V3_LENGTH) {
                throw new ImageFormatException(STRUCT, null, 0, null, "file too short for a version 3 header");
            }
            h.incompatible = b.getLong(72);
            h.compatible = b.getLong(80);
            h.autoclear = b.getLong(88);
            h.refcountOrder = b.getInt(96);
            h.headerLength = b.getInt(100);
            if (h.headerLength < V3_LENGTH || (h.headerLength & 7) != 0 || h.headerLength > Math.min(cs, b.remaining())) {
                throw new ImageFormatException(STRUCT, "header_length", 100, Integer.toUnsignedString(h.headerLength),
                        "must be a multiple of 8, at least 104 and inside the first cluster");
            }
            if (h.headerLength > 104) {
                h.compressionType = b.get(104) & 0xff;
                h.extraFields = new byte[h.headerLength - 105];
                b.get(105, h.extraFields);
            }
        }
        if (h.refcountOrder < 0 || h.refcountOrder > 6) {
            throw new ImageFormatException(STRUCT, "refcount_order", 96, Integer.toUnsignedString(h.refcountOrder),
                    "must be 0 to 6");
        }
        h.validateFeatures(b, fileSize);
        h.validateTables(fileSize);
        h.parseExtensionsAndBacking(b);
        return h;
    }

    private void validateFeatures(ByteBuffer b, long fileSize) throws ImageFormatException, UnsupportedFeatureException {
        if (cryptMethod != 0) {
            String name = cryptMethod == 1 ? "aes encryption" : cryptMethod == 2 ? "luks encryption"
                    : "encryption method " + Integer.toUnsignedString(cryptMethod);
            throw new UnsupportedFeatureException(STRUCT, name, "encrypted images cannot be read (crypt_method = "
                    + Integer.toUnsignedString(cryptMethod) + ")");
        }
        if ((incompatible & INCOMPAT_DATA_FILE) != 0) {
            throw new UnsupportedFeatureException(STRUCT, "external data file",
                    "guest data lives in another file (incompatible feature bit 2)");
        }
        long unknown = incompatible & ~INCOMPAT_KNOWN;
        if (unknown != 0) {
            int bit = Long.numberOfTrailingZeros(unknown);
            // The image's own feature name table names what we do not know; parse it leniently.
            String name = null;
            try {
                ByteBuffer ext = b.duplicate();
                ext.position(headerLength);
                ext.limit(Math.min(b.limit(), clusterSize()));
                for (HeaderExtension e : HeaderExtension.parseAll(ext, 0)) {
                    if (e.type() == HeaderExtension.FEATURE_NAME_TABLE) {
                        for (HeaderExtension.FeatureName f : e.featureNames()) {
                            if (f.type() == 0 && f.bit() == bit) {
                                name = f.name();
                            }
                        }
                    }
                }
            } catch (ImageFormatException ignored) {
                // Fall back to the bit number.
            }
            throw new UnsupportedFeatureException(STRUCT, name != null ? name : "incompatible feature bit " + bit,
                    "unknown incompatible feature (bit " + bit + " of incompatible_features = 0x"
                            + Long.toHexString(incompatible) + ")");
        }
        boolean compressionBit = (incompatible & INCOMPAT_COMPRESSION) != 0;
        if (compressionBit && compressionType != 1) {
            if (compressionType == 0) {
                throw new ImageFormatException(STRUCT, "compression_type", 104, 0,
                        "the compression type feature bit is set but the type is zlib");
            }
            throw new UnsupportedFeatureException(STRUCT, "compression type " + compressionType,
                    "only zlib (0) and zstd (1) are known");
        }
        if (!compressionBit && compressionType != 0) {
            throw new ImageFormatException(STRUCT, "compression_type", 104, compressionType,
                    "non-zlib compression type without incompatible feature bit 3");
        }
        if (extendedL2() && clusterBits < 14) {
            throw new ImageFormatException(STRUCT, "cluster_bits", 20, clusterBits,
                    "extended L2 entries need clusters of at least 16 KiB");
        }
    }

    private void validateTables(long fileSize) throws ImageFormatException {
        int cs = clusterSize();
        if (size < 0) {
            throw new ImageFormatException(STRUCT, "size", 24, Long.toUnsignedString(size), "virtual size too large");
        }
        long l1Entries = Integer.toUnsignedLong(l1Size);
        if (l1Entries * 8 > MAX_L1_BYTES) {
            throw new ImageFormatException(STRUCT, "l1_size", 36, l1Entries, "L1 table larger than 32 MiB");
        }
        long needed = requiredL1Entries(size, clusterBits, extendedL2());
        if (needed > l1Entries) {
            throw new ImageFormatException(STRUCT, "l1_size", 36, l1Entries,
                    "too small for the virtual size " + size + " (needs " + needed + " entries)");
        }
        if (l1Entries > 0) {
            checkTable("l1_table_offset", 40, l1TableOffset, l1Entries * 8, fileSize);
        }
        long rtBytes = Integer.toUnsignedLong(refcountTableClusters) * cs;
        if (refcountTableClusters == 0 || rtBytes > MAX_REFTABLE_BYTES) {
            throw new ImageFormatException(STRUCT, "refcount_table_clusters", 56,
                    Integer.toUnsignedLong(refcountTableClusters), "refcount table must be 1 cluster to 8 MiB");
        }
        checkTable("refcount_table_offset", 48, refcountTableOffset, rtBytes, fileSize);
        long snaps = Integer.toUnsignedLong(nbSnapshots);
        if (snaps > MAX_SNAPSHOTS) {
            throw new ImageFormatException(STRUCT, "nb_snapshots", 60, snaps, "more than 65536 snapshots");
        }
        if (snaps > 0) {
            // Each entry takes at least 40 bytes.
            checkTable("snapshots_offset", 64, snapshotsOffset, snaps * 40, fileSize);
        }
        if (backingFileOffset != 0) {
            long len = Integer.toUnsignedLong(backingFileSize);
            if (len > 1023) {
                throw new ImageFormatException(STRUCT, "backing_file_size", 16, len, "longer than 1023 bytes");
            }
            if (backingFileOffset < 0 || backingFileOffset < (version == 2 ? V2_LENGTH : headerLength)
                    || backingFileOffset + len > cs) {
                throw new ImageFormatException(STRUCT, "backing_file_offset", 8, Long.toUnsignedString(backingFileOffset),
                        "backing file name must lie in the first cluster after the header");
            }
        }
    }

    private void checkTable(String field, long at, long offset, long bytes, long fileSize) throws ImageFormatException {
        int cs = clusterSize();
        if (offset < 0 || (offset & (cs - 1)) != 0) {
            throw new ImageFormatException(STRUCT, field, at, Long.toUnsignedString(offset), "not aligned to a cluster");
        }
        if (offset == 0) {
            throw new ImageFormatException(STRUCT, field, at, 0, "points into the header cluster");
        }
        if (offset > fileSize || bytes > fileSize - offset) {
            throw new ImageFormatException(STRUCT, field, at, offset, "table of " + bytes
                    + " bytes runs past the end of the file (" + fileSize + " bytes)");
        }
    }

    private void parseExtensionsAndBacking(ByteBuffer b) throws ImageFormatException {
        int cs = clusterSize();
        {
            // Extensions follow the header in v2 images too (qemu writes the backing format there).
            int end = Math.min(b.limit(), cs);
            if (backingFileOffset != 0) {
                end = (int) Math.min(end, backingFileOffset);
            }
            ByteBuffer ext = b.duplicate();
            ext.position(headerLength).limit(Math.max(headerLength, end));
            extensions = HeaderExtension.parseAll(ext, 0);
        }
        if (backingFileOffset != 0) {
            if (backingFileOffset + backingFileSize > b.limit()) {
                throw new ImageFormatException(STRUCT, "backing_file_offset", 8, backingFileOffset,
                        "backing file name past the end of the file");
            }
            byte[] name = new byte[backingFileSize];
            b.get((int) backingFileOffset, name);
            backingFile = new String(name, StandardCharsets.UTF_8);
        }
    }

    /** L1 entries a virtual size needs. */
    public static long requiredL1Entries(long size, int clusterBits, boolean extendedL2) {
        int l2Bits = clusterBits - (extendedL2 ? 4 : 3);
        long perL1 = 1L << (clusterBits + l2Bits);
        return size == 0 ? 0 : (size - 1) / perL1 + 1;
    }

    /**
     * Writes the first cluster: fields, extensions, end marker, backing file name. The buffer must be
     * one cluster, zero-filled; {@link #backingFileOffset} and size are set here.
     */
    public void writeTo(ByteBuffer cluster) throws ImageFormatException {
        ByteBuffer b = cluster.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN);
        b.putInt(MAGIC).putInt(version).putLong(0).putInt(0).putInt(clusterBits).putLong(size).putInt(cryptMethod)
                .putInt(l1Size).putLong(l1TableOffset).putLong(refcountTableOffset).putInt(refcountTableClusters)
                .putInt(nbSnapshots).putLong(snapshotsOffset);
        if (version == 3) {
            b.putLong(incompatible).putLong(compatible).putLong(autoclear).putInt(refcountOrder).putInt(headerLength);
            if (headerLength > 104) {
                b.put((byte) compressionType).put(extraFields);
            }
        }
        {
            for (HeaderExtension e : extensions) {
                if (b.remaining() < e.diskSize() + 8) {
                    throw new ImageFormatException(STRUCT, "header extensions do not fit in the first cluster");
                }
                e.writeTo(b);
            }
            b.putInt(HeaderExtension.END).putInt(0);
        }
        if (backingFile != null) {
            byte[] name = backingFile.getBytes(StandardCharsets.UTF_8);
            if (name.length > 1023 || b.remaining() < name.length) {
                throw new ImageFormatException(STRUCT, "backing_file_size", 16, name.length,
                        "backing file name does not fit");
            }
            backingFileOffset = b.position();
            backingFileSize = name.length;
            b.put(name);
            b.putLong(8, backingFileOffset).putInt(16, backingFileSize);
        } else {
            backingFileOffset = 0;
            backingFileSize = 0;
        }
    }
}
