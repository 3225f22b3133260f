package io.imgtool.core;

/** What an extent of a {@link BlockDevice} holds. */
public enum Allocation {
    /** Storage is allocated and may hold non-zero bytes. */
    DATA,
    /** Reads as zeroes; storage may or may not be allocated (a qcow2 zero cluster, a zeroed preallocation). */
    ZERO,
    /** Nothing is allocated here and it reads as zeroes (a hole, an unallocated cluster without backing). */
    UNALLOCATED;

    /** Whether the bytes of such an extent are all zero. */
    public boolean readsAsZero() {
        return this != DATA;
    }
}
