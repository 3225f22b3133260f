package io.imgtool.gpt;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.core.ImageFormatException;
import io.imgtool.gpt.ondisk.MbrPartitionEntry;
import io.imgtool.gpt.ondisk.MbrSector;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An MBR ("dos") partition table, read only: the four primary entries and the logical partitions
 * found by following the chain of extended boot records (EBRs) inside each extended partition.
 *
 * <p>Each EBR is read like libfdisk (and so sfdisk) reads it: its first entry is the logical
 * partition, relative to the EBR; its second, if an extended type, links to the next EBR, relative
 * to the start of the extended partition. A chain that loops, leaves the extended partition or runs
 * past {@value #MAX_LOGICAL} links stops there, and {@link #problems()} says why.
 *
 * @param diskSectors size of the disk in sectors
 * @param mbr sector 0 as read
 * @param partitions primary, extended and logical partitions by number
 * @param problems what stopped the EBR chain early or lies outside the disk (empty when none)
 */
public record MbrTable(int sectorSize, long diskSectors, MbrSector mbr, List<MbrPartition> partitions,
                       List<String> problems) implements PartitionTable {

    /** Linux's limit on partitions per disk; also bounds the EBR chain. */
    public static final int MAX_LOGICAL = 256;

    public MbrTable {
        partitions = List.copyOf(partitions);
        problems = List.copyOf(problems);
    }

    @Override
    public Scheme scheme() {
        return Scheme.MBR;
    }

    /** The 32-bit disk signature (sfdisk's label-id). */
    public long diskSignature() {
        return mbr.diskSignature();
    }

    /**
     * Whether sector 0 reads as a partition table rather than a filesystem's boot sector: boot
     * indicators 0x00 or 0x80 only, at least one used entry starting past sector 0, and not a FAT
     * boot sector (which also ends in 55 AA).
     */
    static boolean looksLikePartitionTable(BlockDevice disk, MbrSector mbr) throws IOException {
        boolean any = false;
        for (MbrPartitionEntry e : mbr.entries()) {
            if (e.status() != 0 && e.status() != 0x80) {
                return false;
            }
            if (!e.isEmpty()) {
                if (e.firstLba() == 0) {
                    return false;
                }
                any = true;
            }
        }
        if (!any) {
            return false;
        }
        return FilesystemProbe.probe(disk).map(fs -> !fs.type().equals("vfat")).orElse(true);
    }

    /** Reads the MBR table of {@code disk}. Throws ImageFormatException if sector 0 has no 55 AA signature. */
    public static MbrTable read(BlockDevice disk, int sectorSize) throws IOException {
        GptReader.checkSectorSize(sectorSize);
        MbrSector mbr = GptReader.readMbr(disk);
        if (mbr == null) {
            throw new ImageFormatException("MBR", "boot_signature", 510, null, "no 55 AA signature: not an MBR");
        }
        long diskSectors = disk.size() / sectorSize;
        List<MbrPartition> parts = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<MbrPartitionEntry> extended = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            MbrPartitionEntry e = mbr.entries().get(i);
            if (e.isEmpty()) {
                continue;
            }
            MbrPartition.Kind kind = e.isExtended() ? MbrPartition.Kind.EXTENDED : MbrPartition.Kind.PRIMARY;
            parts.add(new MbrPartition(i + 1, kind, e.type(), e.status() == 0x80, e.firstLba(), e.lastLba(),
                    sectorSize));
            if (e.lastLba() >= diskSectors) {
                problems.add("partition " + (i + 1) + " (" + e.firstLba() + ".." + e.lastLba()
                        + ") runs past the end of the disk (" + diskSectors + " sectors)");
            }
            if (e.isExtended()) {
                extended.add(e);
            }
        }
        int next = 5;
        for (MbrPartitionEntry ext : extended) {
            next = readLogicals(disk, sectorSize, diskSectors, ext, next, parts, problems);
        }
        return new MbrTable(sectorSize, diskSectors, mbr, parts, problems);
    }

    private static int readLogicals(BlockDevice disk, int sectorSize, long diskSectors, MbrPartitionEntry ext,
                                    int next, List<MbrPartition> parts, List<String> problems) throws IOException {
        long extStart = ext.firstLba();
        long extEnd = Math.min(ext.lastLba(), diskSectors - 1);
        Set<Long> seen = new HashSet<>();
        long ebr = extStart;
        while (true) {
            if (ebr < extStart || ebr > extEnd) {
                problems.add("EBR link to LBA " + ebr + " leaves the extended partition " + extStart + ".." + extEnd);
                break;
            }
            if (!seen.add(ebr)) {
                problems.add("EBR chain loops back to LBA " + ebr);
                break;
            }
            if (next - 4 > MAX_LOGICAL) {
                problems.add("more than " + MAX_LOGICAL + " logical partitions; the rest are ignored");
                break;
            }
            MbrSector s = MbrSector.parse(ByteBuffer.wrap(disk.readBytes(ebr * sectorSize, MbrSector.SIZE)));
            if (!s.hasBootSignature()) {
                if (ebr != extStart) { // an extended partition without logicals may hold no EBR at all
                    problems.add("EBR at LBA " + ebr + " has no 55 AA signature");
                }
                break;
            }
            MbrPartitionEntry data = s.entries().get(0);
            if (!data.isEmpty() && !data.isExtended()) {
                long first = ebr + data.firstLba();
                long last = first + data.sectors() - 1;
                parts.add(new MbrPartition(next, MbrPartition.Kind.LOGICAL, data.type(), data.status() == 0x80, first,
                        last, sectorSize));
                if (last > extEnd) {
                    problems.add("logical partition " + next + " (" + first + ".." + last
                            + ") runs past its extended partition, which ends at " + ext.lastLba());
                }
                next++;
            }
            MbrPartitionEntry link = s.entries().get(1);
            if (link.isEmpty() || !link.isExtended()) {
                break;
            }
            ebr = extStart + link.firstLba();
        }
        return next;
    }

    /** The partitions that hold data (primary and logical; not the extended container). */
    public List<MbrPartition> dataPartitions() {
        return partitions.stream().filter(p -> p.kind() != MbrPartition.Kind.EXTENDED).toList();
    }

    @Override
    public MbrPartition partition(int number) throws ImageException {
        for (MbrPartition p : partitions) {
            if (p.number() == number) {
                return p;
            }
        }
        throw ImageException.invalidArgument("partition " + number + " does not exist");
    }
}
