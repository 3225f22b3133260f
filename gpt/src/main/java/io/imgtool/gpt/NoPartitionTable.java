package io.imgtool.gpt;

import java.util.List;

/**
 * The disk has no partition table imgtool recognises: maybe a filesystem written to the whole disk,
 * maybe nothing. Not an error; commands that need partitions say so plainly.
 *
 * @param hasMbrSignature whether sector 0 ends in 55 AA anyway (a boot sector of a filesystem, or an
 *     MBR with no usable entries)
 * @param strayGptHeader whether a GPT header signature sits at LBA 1 although the MBR is not
 *     protective (a GPT that tools following the specification ignore)
 */
public record NoPartitionTable(int sectorSize, boolean hasMbrSignature, boolean strayGptHeader)
        implements PartitionTable {

    @Override
    public Scheme scheme() {
        return Scheme.NONE;
    }

    @Override
    public List<Partition> partitions() {
        return List.of();
    }
}
