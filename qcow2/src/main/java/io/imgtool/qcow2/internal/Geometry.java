package io.imgtool.qcow2.internal;

/** The derived sizes of one image: cluster, L2 and refcount-block geometry. Immutable. */
public record Geometry(int clusterBits, boolean extendedL2, int refcountOrder) {

    public int clusterSize() {
        return 1 << clusterBits;
    }

    /** Bytes per L2 entry: 8, or 16 with extended L2 entries. */
    public int l2EntrySize() {
        return extendedL2 ? 16 : 8;
    }

    /** log2 of the entries in one L2 table. */
    public int l2Bits() {
        return clusterBits - (extendedL2 ? 4 : 3);
    }

    public int l2Entries() {
        return 1 << l2Bits();
    }

    /** Subclusters per cluster: 32 with extended L2 entries, else 1. */
    public int subclusters() {
        return extendedL2 ? 32 : 1;
    }

    /** Bytes per allocation unit: a subcluster or a cluster. */
    public int unitSize() {
        return clusterSize() / subclusters();
    }

    public int refcountBits() {
        return 1 << refcountOrder;
    }

    /** log2 of the entries in one refcount block. */
    public int refblockBits() {
        return clusterBits + 3 - refcountOrder;
    }

    /** Largest refcount the width can hold, unsigned (-1 means 2^64-1 for 64-bit refcounts). */
    public long maxRefcount() {
        return refcountOrder == 6 ? -1L : (1L << refcountBits()) - 1;
    }

    /** Guest bytes one L1 entry covers. */
    public long bytesPerL1Entry() {
        return 1L << (clusterBits + l2Bits());
    }

    public long clusterOf(long offset) {
        return offset >>> clusterBits;
    }

    public long offsetInCluster(long offset) {
        return offset & (clusterSize() - 1);
    }

    /** Number of bits of the compressed-cluster host offset: 62 - (cluster_bits - 8). */
    public int compressedOffsetBits() {
        return 62 - (clusterBits - 8);
    }
}
