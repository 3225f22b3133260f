package io.imgtool.gpt;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.core.SliceDevice;

/**
 * A partition of a GPT or MBR disk. Numbers follow Linux: GPT entry index + 1; MBR primary slots
 * 1-4, logical partitions from 5.
 */
public sealed interface Partition permits GptPartition, MbrPartition {

    /** The partition number as Linux names the device node ({@code sda3} is 3). */
    int number();

    /** First sector (inclusive), in logical sectors of {@link #sectorSize()}. */
    long firstLba();

    /** Last sector (inclusive). */
    long lastLba();

    int sectorSize();

    /** Number of sectors. */
    default long sectors() {
        return lastLba() - firstLba() + 1;
    }

    /** Byte offset on the disk (saturated for entries no disk can hold). */
    default long offset() {
        return saturatedBytes(firstLba(), sectorSize());
    }

    /** Size in bytes (saturated for entries no disk can hold). */
    default long size() {
        return saturatedBytes(sectors(), sectorSize());
    }

    private static long saturatedBytes(long sectors, int sectorSize) {
        try {
            return Math.multiplyExact(sectors, (long) sectorSize);
        } catch (ArithmeticException e) {
            return sectors < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /** A short description of the type: "Linux filesystem", "0x83 Linux". */
    String typeDescription();

    /** The GPT partition name; MBR partitions have none (empty string). */
    String name();

    /**
     * The partition as a device: a {@link SliceDevice} of {@code disk} that leaves the disk open when
     * closed. Fails with {@code OUT_OF_RANGE} if the partition lies beyond the end of the disk.
     */
    default BlockDevice open(BlockDevice disk) throws ImageException {
        long diskSectors = disk.size() / sectorSize();
        if (firstLba() < 0 || lastLba() < firstLba() || lastLba() >= diskSectors) {
            throw new ImageException(ImageException.Kind.OUT_OF_RANGE, "partition " + number(), null, -1, null,
                    "LBA " + Long.toUnsignedString(firstLba()) + ".." + Long.toUnsignedString(lastLba())
                            + " does not lie inside the disk of " + diskSectors + " sectors", null);
        }
        return SliceDevice.of(disk, offset(), size());
    }
}
