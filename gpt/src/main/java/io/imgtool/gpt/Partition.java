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

    /** Byte offset on the disk. */
    default long offset() {
        return firstLba() * sectorSize();
    }

    /** Size in bytes. */
    default long size() {
        return sectors() * sectorSize();
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
        return SliceDevice.of(disk, offset(), size());
    }
}
