package io.imgtool.qcow2.internal;

import io.imgtool.core.ImageFormatException;

/** Bit layout of L1, L2 and refcount-table entries; decoding with validation. */
public final class L2Entry {

    public static final long COPIED = 1L << 63;
    public static final long COMPRESSED = 1L << 62;
    public static final long ZERO_FLAG = 1L;
    /** Bits 9-55: a cluster-aligned host offset in L1, L2 and standard cluster descriptors. */
    public static final long OFFSET_MASK = 0x00fffffffffffe00L;
    /** Reserved bits of a standard descriptor (1-8, 56-61). */
    public static final long STD_RESERVED = 0x3f000000000001feL;
    /** Reserved bits of an L1 entry (0-8, 56-62). */
    public static final long L1_RESERVED = 0x7f000000000001ffL;
    /** Extended L2 bitmap: all 32 subclusters allocated / all zero. */
    public static final long ALL_ALLOCATED = 0xffffffffL;
    public static final long ALL_ZERO = 0xffffffff00000000L;

    private L2Entry() {
    }

    public static boolean isCompressed(long entry) {
        return (entry & COMPRESSED) != 0;
    }

    public static long hostOffset(long entry) {
        return entry & OFFSET_MASK;
    }

    /** Byte offset of compressed data. */
    public static long compressedOffset(Geometry g, long entry) {
        return entry & ((1L << g.compressedOffsetBits()) - 1);
    }

    /** 512-byte sectors the compressed data spans (at least 1). */
    public static long compressedSectors(Geometry g, long entry) {
        int x = g.compressedOffsetBits();
        return ((entry & ~COMPRESSED & ~COPIED) >>> x) + 1;
    }

    /** Bytes from the compressed offset to the end of its last sector. */
    public static long compressedSize(Geometry g, long entry) {
        return compressedSectors(g, entry) * 512 - (compressedOffset(g, entry) & 511);
    }

    public static long makeCompressed(Geometry g, long offset, long sectors) {
        return COMPRESSED | ((sectors - 1) << g.compressedOffsetBits()) | offset;
    }

    /** Validates a standard L2 entry; {@code at} is the entry's file offset, for messages. */
    public static void validateStandard(Geometry g, long entry, long at, long fileSize) throws ImageFormatException {
        long reserved = entry & STD_RESERVED;
        if (g.extendedL2()) {
            reserved |= entry & ZERO_FLAG;
        }
        if (reserved != 0) {
            throw new ImageFormatException("qcow2 L2 table", "entry", at, "0x" + Long.toHexString(entry),
                    "reserved bits set");
        }
        long host = hostOffset(entry);
        if ((host & (g.clusterSize() - 1)) != 0) {
            throw new ImageFormatException("qcow2 L2 table", "entry", at, "0x" + Long.toHexString(entry),
                    "data cluster offset not aligned to a cluster");
        }
        if (host != 0 && host >= fileSize && (entry & ZERO_FLAG) == 0) {
            // A zero cluster may keep a preallocated offset; data must start inside the file (its end
            // may not be there: qemu writes only the allocated subclusters of a new cluster).
            throw new ImageFormatException("qcow2 L2 table", "entry", at, "0x" + Long.toHexString(entry),
                    "data cluster at " + host + " lies outside the file (" + fileSize + " bytes)");
        }
    }

    /** Validates a compressed L2 entry. */
    public static void validateCompressed(Geometry g, long entry, long at, long fileSize) throws ImageFormatException {
        long off = compressedOffset(g, entry);
        long size = compressedSize(g, entry);
        if (off < 512 || off >= fileSize || off + size > fileSize + 511) {
            throw new ImageFormatException("qcow2 L2 table", "compressed entry", at, "0x" + Long.toHexString(entry),
                    "compressed data [" + off + ", +" + size + ") runs outside the file (" + fileSize + " bytes)");
        }
        if ((entry & COPIED) != 0) {
            throw new ImageFormatException("qcow2 L2 table", "compressed entry", at, "0x" + Long.toHexString(entry),
                    "COPIED flag set on a compressed cluster");
        }
    }

    /** Validates an L1 (or snapshot L1) entry. */
    public static void validateL1(Geometry g, long entry, long at, long fileSize, String struct) throws ImageFormatException {
        if ((entry & L1_RESERVED) != 0) {
            throw new ImageFormatException(struct, "entry", at, "0x" + Long.toHexString(entry), "reserved bits set");
        }
        long off = hostOffset(entry);
        if (off == 0) {
            return;
        }
        if ((off & (g.clusterSize() - 1)) != 0) {
            throw new ImageFormatException(struct, "entry", at, "0x" + Long.toHexString(entry),
                    "L2 table offset not aligned to a cluster");
        }
        if (off > fileSize - g.clusterSize()) {
            throw new ImageFormatException(struct, "entry", at, "0x" + Long.toHexString(entry),
                    "L2 table at " + off + " lies outside the file (" + fileSize + " bytes)");
        }
    }
}
