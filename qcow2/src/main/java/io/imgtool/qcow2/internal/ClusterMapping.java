package io.imgtool.qcow2.internal;

/**
 * What one L2 entry (or one subcluster of it) says about a stretch of guest bytes. A lookup returns
 * this result so that data I/O can happen outside the metadata lock.
 */
public sealed interface ClusterMapping {

    /** Not allocated in this layer: read from the backing file, or zeroes without one. */
    record Unallocated() implements ClusterMapping {
    }

    /** Reads as zeroes; {@code preallocatedHost} is a host cluster kept for it, or 0. */
    record Zero(long preallocatedHost) implements ClusterMapping {
    }

    /** Data at {@code hostOffset} (the host byte of the run's first guest byte). */
    record Allocated(long hostOffset) implements ClusterMapping {
    }

    /** A compressed cluster: {@code size} bytes (rounded to sectors) at {@code hostOffset}. */
    record Compressed(long hostOffset, int size) implements ClusterMapping {
    }

    /** A run of guest bytes with one mapping. For Allocated, host bytes are contiguous over the run. */
    record Run(long guestOffset, long length, ClusterMapping mapping) {
        public long end() {
            return guestOffset + length;
        }
    }

    ClusterMapping UNALLOCATED = new Unallocated();
    ClusterMapping ZERO = new Zero(0);
}
