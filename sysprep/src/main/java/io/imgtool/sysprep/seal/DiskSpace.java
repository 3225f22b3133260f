package io.imgtool.sysprep.seal;

import io.imgtool.core.Allocation;
import io.imgtool.core.BlockDevice;
import io.imgtool.core.Extent;
import io.imgtool.core.SliceDevice;
import io.imgtool.gpt.FilesystemProbe;
import io.imgtool.gpt.GptTable;
import io.imgtool.gpt.MbrPartition;
import io.imgtool.gpt.Partition;
import io.imgtool.gpt.PartitionTable;
import io.imgtool.sysprep.inspect.Ext4GuestVolume;
import io.imgtool.sysprep.inspect.GuestVolume;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What of a disk holds nothing a guest needs, so that the output can leave it out:
 *
 * <ul>
 *   <li>the free blocks of every ext2/3/4 filesystem, read from its block bitmaps;</li>
 *   <li>a swap area past its first page (the header with its UUID and label is kept; a hibernation
 *       image has another signature and is kept whole);</li>
 *   <li>space between partitions and after the last one (up to the backup GPT). Space before the
 *       first partition is kept: on MBR disks it holds the boot loader's core image.</li>
 * </ul>
 *
 * Everything else — other filesystems (an ESP, xfs), BIOS boot partitions, partition tables — is
 * kept byte for byte.
 */
public final class DiskSpace {

    /**
     * @param dropped the ranges to drop, sorted and merged
     * @param filesystemFree bytes of ext free space among them
     * @param swap bytes of swap areas among them
     * @param unpartitioned bytes outside the partitions among them
     * @param notes what was kept although it might have been dropped, and why
     */
    public record Result(List<Extent> dropped, long filesystemFree, long swap, long unpartitioned, List<String> notes) {
        public Result {
            dropped = List.copyOf(dropped);
            notes = List.copyOf(notes);
        }
    }

    private DiskSpace() {
    }

    /** Computes the droppable ranges of {@code disk} (read-only). */
    public static Result compute(BlockDevice disk) throws IOException {
        List<Extent> out = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        long fsFree = 0;
        long swap = 0;
        long unpart = 0;
        int sectorSize = PartitionTable.detectSectorSize(disk).orElse(512);
        PartitionTable table = PartitionTable.read(disk, sectorSize);
        if (table.scheme() == PartitionTable.Scheme.NONE) {
            fsFree += filesystem(disk, 0, disk.size(), "the disk", out, notes);
            return new Result(merge(out), fsFree, 0, 0, notes);
        }
        List<Partition> parts = new ArrayList<>();
        for (Partition p : table.partitions()) {
            if (p.firstLba() < 0 || p.lastLba() < p.firstLba() || p.offset() + p.size() > disk.size() || p.offset() < 0) {
                notes.add("partition " + p.number() + " does not lie inside the disk; the space around it is kept");
                return new Result(merge(out), 0, 0, 0, notes);
            }
            parts.add(p);
            if (p instanceof MbrPartition m && m.kind() == MbrPartition.Kind.EXTENDED) {
                continue;
            }
            FilesystemProbe.Info fs;
            try (BlockDevice part = p.open(disk)) {
                fs = FilesystemProbe.probe(part).orElse(null);
                if (fs == null) {
                    continue;
                }
                if (fs.type().equals("swap")) {
                    long keep = swapHeader(part);
                    if (keep > 0 && keep < p.size()) {
                        out.add(new Extent(p.offset() + keep, p.size() - keep, Allocation.UNALLOCATED));
                        swap += p.size() - keep;
                    }
                    continue;
                }
            }
            if (isExt(fs)) {
                fsFree += filesystem(disk, p.offset(), p.size(), "partition " + p.number(), out, notes);
            }
        }
        // Gaps between partitions and after the last one.
        parts.sort(Comparator.comparingLong(Partition::offset));
        long end = disk.size();
        if (table instanceof GptTable g) {
            end = Math.min(end, Math.multiplyExact(g.lastUsableLba() + 1, (long) sectorSize));
        }
        long pos = -1;
        for (Partition p : parts) {
            if (pos >= 0 && p.offset() > pos) {
                out.add(new Extent(pos, p.offset() - pos, Allocation.UNALLOCATED));
                unpart += p.offset() - pos;
            }
            pos = Math.max(pos, p.offset() + p.size());
        }
        if (pos >= 0 && end > pos) {
            out.add(new Extent(pos, end - pos, Allocation.UNALLOCATED));
            unpart += end - pos;
        }
        return new Result(merge(out), fsFree, swap, unpart, notes);
    }

    private static boolean isExt(FilesystemProbe.Info fs) {
        return fs.type().equals("ext2") || fs.type().equals("ext3") || fs.type().equals("ext4");
    }

    private static long filesystem(BlockDevice disk, long offset, long size, String where, List<Extent> out,
                                   List<String> notes) throws IOException {
        try (SliceDevice part = SliceDevice.of(disk, offset, size)) {
            FilesystemProbe.Info fs = FilesystemProbe.probe(part).orElse(null);
            if (fs == null || !isExt(fs)) {
                return 0;
            }
            try (GuestVolume v = Ext4GuestVolume.open(part, fs, false)) {
                String note = v.freeSpaceNote();
                if (!note.isEmpty()) {
                    notes.add(where + ": " + note);
                }
                long n = 0;
                for (Extent e : v.freeExtents()) {
                    out.add(new Extent(offset + e.offset(), e.length(), Allocation.UNALLOCATED));
                    n += e.length();
                }
                return n;
            }
        }
    }

    /** The bytes of a swap area's header page (kept), or 0 when its signature is not plain swap. */
    private static long swapHeader(BlockDevice part) throws IOException {
        for (int page = 4096; page <= 65536; page <<= 1) {
            if (part.size() < page) {
                return 0;
            }
            String sig = new String(part.readBytes(page - 10, 10), StandardCharsets.ISO_8859_1);
            if (sig.equals("SWAPSPACE2")) {
                return page;
            }
        }
        return 0;
    }

    /** Sorts and merges ranges (overlapping or touching). */
    static List<Extent> merge(List<Extent> in) {
        List<Extent> sorted = new ArrayList<>(in);
        sorted.sort(Comparator.comparingLong(Extent::offset));
        List<Extent> out = new ArrayList<>();
        for (Extent e : sorted) {
            if (!out.isEmpty() && out.get(out.size() - 1).end() >= e.offset()) {
                Extent last = out.remove(out.size() - 1);
                long end = Math.max(last.end(), e.end());
                out.add(new Extent(last.offset(), end - last.offset(), Allocation.UNALLOCATED));
            } else {
                out.add(new Extent(e.offset(), e.length(), Allocation.UNALLOCATED));
            }
        }
        return out;
    }
}
