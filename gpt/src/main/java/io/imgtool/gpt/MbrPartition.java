package io.imgtool.gpt;

/**
 * A partition of an MBR disk: a primary entry, the extended container, or a logical partition
 * inside it (found by following the chain of extended boot records).
 *
 * @param number 1-4 for primary and extended entries (their slot), 5 and up for logical partitions
 * @param kind primary, extended or logical
 * @param type the type byte (0x83 Linux, 0x82 swap, 0x07 NTFS/exFAT, 0x0C FAT32 LBA, 0x05 extended ...)
 * @param bootable whether the boot indicator is 0x80
 */
public record MbrPartition(int number, Kind kind, int type, boolean bootable, long firstLba, long lastLba,
                           int sectorSize) implements Partition {

    public enum Kind { PRIMARY, EXTENDED, LOGICAL }

    @Override
    public String typeDescription() {
        return String.format("0x%02x %s", type, MbrTypes.name(type));
    }

    @Override
    public String name() {
        return "";
    }
}
