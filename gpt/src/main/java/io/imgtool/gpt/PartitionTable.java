package io.imgtool.gpt;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.gpt.ondisk.GptHeader;
import io.imgtool.gpt.ondisk.MbrSector;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.OptionalInt;

/**
 * The partition table of a disk: a {@link GptTable}, an {@link MbrTable}, or {@link NoPartitionTable}
 * when there is none — a clear answer, not an error.
 *
 * <pre>{@code
 * PartitionTable t = PartitionTable.read(disk);          // sector size detected, 512 by default
 * for (Partition p : t.partitions()) {
 *     try (BlockDevice part = p.open(disk)) { ... }
 * }
 * }</pre>
 */
public sealed interface PartitionTable permits GptTable, MbrTable, NoPartitionTable {

    enum Scheme { GPT, MBR, NONE }

    Scheme scheme();

    /** Logical sector size the table was read with. */
    int sectorSize();

    /** The partitions, ordered by number. */
    List<? extends Partition> partitions();

    /** Partition {@code number}; INVALID_ARGUMENT if there is none. */
    default Partition partition(int number) throws ImageException {
        for (Partition p : partitions()) {
            if (p.number() == number) {
                return p;
            }
        }
        throw ImageException.invalidArgument("partition " + number + " does not exist");
    }

    /**
     * Reads the table of {@code disk} with logical sectors of {@code sectorSize} bytes (512 or 4096):
     * <ul>
     *   <li>an MBR with a 0xEE entry (protective or hybrid) means GPT; a GPT whose both copies are
     *       damaged is then an {@link io.imgtool.core.ImageFormatException}, not a fallback to MBR;</li>
     *   <li>no MBR (or one without entries) but a GPT header at LBA 1 or at the end: GPT (its report
     *       says the protective MBR is missing);</li>
     *   <li>an MBR with plausible partition entries: MBR (with extended and logical partitions);</li>
     *   <li>otherwise {@link NoPartitionTable}.</li>
     * </ul>
     */
    static PartitionTable read(BlockDevice disk, int sectorSize) throws IOException {
        GptReader.checkSectorSize(sectorSize);
        MbrSector mbr = GptReader.readMbr(disk);
        long sectors = disk.size() / sectorSize;
        if (mbr != null && mbr.hasGptProtective()) {
            try {
                return GptTable.read(disk, sectorSize);
            } catch (io.imgtool.core.ImageFormatException e) {
                OptionalInt other = detectSectorSize(disk);
                if (other.isPresent() && other.getAsInt() != sectorSize) {
                    throw new io.imgtool.core.ImageFormatException("GPT", null, -1, null, e.getMessage()
                            + "; but there is a GPT for " + other.getAsInt() + "-byte sectors (--sector-size "
                            + other.getAsInt() + ")", e);
                }
                throw e;
            }
        }
        boolean mbrEmpty = mbr == null || mbr.entries().stream().allMatch(e -> e.isEmpty());
        if (mbrEmpty && sectors >= 4 && (hasGptSignature(disk, sectorSize, 1)
                || hasGptSignature(disk, sectorSize, sectors - 1))) {
            return GptTable.read(disk, sectorSize);
        }
        if (mbr != null && MbrTable.looksLikePartitionTable(disk, mbr)) {
            return MbrTable.read(disk, sectorSize);
        }
        return new NoPartitionTable(sectorSize, mbr != null, sectors >= 4 && hasGptSignature(disk, sectorSize, 1));
    }

    /** Reads with the sector size {@link #detectSectorSize} finds, 512 when it finds none. */
    static PartitionTable read(BlockDevice disk) throws IOException {
        return read(disk, detectSectorSize(disk).orElse(512));
    }

    /**
     * The logical sector size a GPT on {@code disk} was written for: 512 or 4096 when a GPT header
     * signature sits at LBA 1 (or in the last sector) for that size, empty when there is no GPT
     * (an MBR does not record its sector size; 512 is then the usual answer).
     */
    static OptionalInt detectSectorSize(BlockDevice disk) throws IOException {
        for (int size : new int[] {512, 4096}) {
            if (disk.size() >= 2L * size && hasGptSignature(disk, size, 1)) {
                return OptionalInt.of(size);
            }
        }
        for (int size : new int[] {512, 4096}) {
            long sectors = disk.size() / size;
            if (sectors >= 4 && hasGptSignature(disk, size, sectors - 1)) {
                return OptionalInt.of(size);
            }
        }
        return OptionalInt.empty();
    }

    private static boolean hasGptSignature(BlockDevice disk, int sectorSize, long lba) throws IOException {
        long off = lba * sectorSize;
        if (off + 8 > disk.size()) {
            return false;
        }
        return ByteBuffer.wrap(disk.readBytes(off, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong(0)
                == GptHeader.SIGNATURE;
    }
}
