package io.imgtool.ext4.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imgtool.ext4.ondisk.Superblock;
import java.io.IOException;

/**
 * Jazzer fuzz tests of the writer: the metadata of a small mke2fs image (superblock, descriptors,
 * bitmaps and inode table, the tree's extent, directory and xattr blocks) is mutated, then the image
 * is opened for writing and changed in every directory it can list (the writer's own loaders parse
 * extent trees, block maps, directories and attributes before changing them). Only I/O exceptions
 * may come out. Without {@code -Pfuzz} the seed corpus in {@code Ext4WriteFuzzTestInputs/} is replayed.
 */
class Ext4WriteFuzzTest {

    private static final int BS = 1024;

    @FuzzTest(maxDuration = "60s")
    void metadata(FuzzedDataProvider data) throws IOException {
        byte[] img = SeedImages.plain();
        SeedImages.openAndChange(SeedImages.mutate(img, Superblock.OFFSET, 80L * BS, data));
    }

    @FuzzTest(maxDuration = "60s")
    void treeBlocks(FuzzedDataProvider data) throws IOException {
        byte[] img = SeedImages.plain();
        SeedImages.openAndChange(SeedImages.mutate(img, 80L * BS, Math.min(img.length, 400L * BS), data));
    }
}
