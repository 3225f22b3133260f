package io.imgtool.ext4.write;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A file's logical-to-physical block mapping held in memory while it is changed: sorted,
 * non-overlapping segments, adjacent ones merged when both logically and physically contiguous.
 * {@link MappingStore}s load it from and store it to an extent tree or an indirect block map; the
 * range touched since the last store tells them which nodes must be rewritten.
 */
final class FileMap {

    /** A run of {@code length} logical blocks from {@code logical} stored from {@code physical}. */
    record Seg(long logical, long length, long physical, boolean unwritten) {
        long end() {
            return logical + length;
        }
    }

    private final TreeMap<Long, Seg> segs = new TreeMap<>();
    private long dirtyFrom = Long.MAX_VALUE;
    private long dirtyTo = Long.MIN_VALUE;
    private final long maxMerge;

    /** @param maxMerge longest segment worth merging into (store splits longer ones anyway) */
    FileMap(long maxMerge) {
        this.maxMerge = maxMerge;
    }

    /** Adds a segment while loading (no merging, not dirty). */
    void load(Seg s) {
        segs.put(s.logical(), s);
    }

    List<Seg> segments() {
        return new ArrayList<>(segs.values());
    }

    int count() {
        return segs.size();
    }

    boolean isEmpty() {
        return segs.isEmpty();
    }

    /** The segment containing {@code logical}, or null. */
    Seg find(long logical) {
        Map.Entry<Long, Seg> e = segs.floorEntry(logical);
        return e != null && e.getValue().end() > logical ? e.getValue() : null;
    }

    /** The first segment starting after {@code logical}, or null. */
    Seg next(long logical) {
        Map.Entry<Long, Seg> e = segs.higherEntry(logical);
        return e == null ? null : e.getValue();
    }

    /** The last segment starting at or before {@code logical}, or null. */
    Seg floor(long logical) {
        Map.Entry<Long, Seg> e = segs.floorEntry(logical);
        return e == null ? null : e.getValue();
    }

    Seg last() {
        Map.Entry<Long, Seg> e = segs.lastEntry();
        return e == null ? null : e.getValue();
    }

    /** Blocks mapped (data, not tree nodes). */
    long mappedBlocks() {
        long n = 0;
        for (Seg s : segs.values()) {
            n += s.length();
        }
        return n;
    }

    private void touch(long from, long to) {
        dirtyFrom = Math.min(dirtyFrom, from);
        dirtyTo = Math.max(dirtyTo, to);
    }

    long dirtyFrom() {
        return dirtyFrom;
    }

    long dirtyTo() {
        return dirtyTo;
    }

    boolean isDirty() {
        return dirtyFrom <= dirtyTo;
    }

    void clean() {
        dirtyFrom = Long.MAX_VALUE;
        dirtyTo = Long.MIN_VALUE;
    }

    /** Maps {@code [logical, logical + len)}, which must be unmapped, to blocks from {@code physical}. */
    void put(long logical, long len, long physical, boolean unwritten) {
        if (len <= 0) {
            return;
        }
        Seg before = floor(logical);
        if (before != null && before.end() > logical) {
            throw new IllegalStateException("mapping overlaps at logical block " + logical);
        }
        Seg after = next(logical);
        if (after != null && after.logical() < logical + len) {
            throw new IllegalStateException("mapping overlaps at logical block " + after.logical());
        }
        touch(logical, logical + len);
        long l = logical;
        long n = len;
        long p = physical;
        if (before != null && before.end() == l && before.physical() + before.length() == p
                && before.unwritten() == unwritten && before.length() + n <= maxMerge) {
            segs.remove(before.logical());
            l = before.logical();
            p = before.physical();
            n += before.length();
        }
        if (after != null && l + n == after.logical() && p + n == after.physical()
                && after.unwritten() == unwritten && n + after.length() <= maxMerge) {
            segs.remove(after.logical());
            n += after.length();
        }
        segs.put(l, new Seg(l, n, p, unwritten));
    }

    /** Unmaps {@code [from, to)}; returns the physical runs that were mapped there. */
    List<Seg> remove(long from, long to) {
        List<Seg> removed = new ArrayList<>();
        if (to <= from) {
            return removed;
        }
        Seg first = floor(from);
        List<Seg> hit = new ArrayList<>();
        if (first != null && first.end() > from) {
            hit.add(first);
        }
        hit.addAll(segs.subMap(from, false, to, false).values());
        if (first == null || first.logical() != from) {
            Seg exact = segs.get(from);
            if (exact != null && !hit.contains(exact)) {
                hit.add(exact);
            }
        }
        for (Seg s : hit) {
            segs.remove(s.logical());
            long a = Math.max(from, s.logical());
            long b = Math.min(to, s.end());
            if (s.logical() < a) {
                segs.put(s.logical(), new Seg(s.logical(), a - s.logical(), s.physical(), s.unwritten()));
            }
            if (b < s.end()) {
                segs.put(b, new Seg(b, s.end() - b, s.physical() + (b - s.logical()), s.unwritten()));
            }
            removed.add(new Seg(a, b - a, s.physical() + (a - s.logical()), s.unwritten()));
        }
        if (!removed.isEmpty()) {
            touch(from, to);
        }
        removed.sort((x, y) -> Long.compare(x.logical(), y.logical()));
        return removed;
    }

    /** Marks {@code [logical, logical + len)} as written (clears the unwritten flag). */
    void markWritten(long logical, long len) {
        for (Seg s : remove(logical, logical + len)) {
            put(s.logical(), s.length(), s.physical(), false);
        }
    }
}
