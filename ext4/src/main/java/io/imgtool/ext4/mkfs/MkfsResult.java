package io.imgtool.ext4.mkfs;

import java.util.List;

/**
 * What {@link Ext4Formatter#format} made: the geometry, identity and usage of the new filesystem.
 *
 * @param inodesUsed inodes in use (the 11 reserved ones included)
 * @param files files copied from the source tree (directories, links and specials included; the root
 *     not counted)
 * @param dataBlocks blocks holding file, directory, symlink, extent-tree and attribute data
 * @param bytesWritten bytes written to the device
 * @param skipped source files left out, with the reason
 */
public record MkfsResult(int blockSize, long blocksCount, long inodesCount, int groups, int blocksPerGroup,
                         int inodesPerGroup, int inodeSize, long reservedBlocks, int reservedGdtBlocks,
                         long journalBlocks, int flexBgSize, String uuid, String hashSeed, String label,
                         List<String> features, long freeBlocks, long freeInodes, long inodesUsed, long files,
                         long dataBlocks, long bytesWritten, long createdEpochSecond, List<String> skipped) {

    public MkfsResult {
        features = List.copyOf(features);
        skipped = List.copyOf(skipped);
    }
}
