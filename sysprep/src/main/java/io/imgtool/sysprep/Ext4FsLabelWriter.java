package io.imgtool.sysprep;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.ext4.Ext4Options;
import io.imgtool.ext4.Ext4Volume;
import io.imgtool.gpt.FsLabelWriter;
import java.io.IOException;

/**
 * {@link FsLabelWriter} for ext2/3/4: reads and sets the volume label as {@code tune2fs -L} does
 * (primary and backup superblocks, journaled). Composes gpt's {@code RootLabeler} with the ext4 writer.
 */
public final class Ext4FsLabelWriter implements FsLabelWriter {

    private static void requireExt(BlockDevice partition) throws IOException {
        if (!Ext4RootDetector.hasExtMagic(partition)) {
            throw new UnsupportedFeatureException("filesystem", "fs-label",
                    "the partition holds no ext2/ext3/ext4 filesystem; only those labels can be set");
        }
    }

    @Override
    public String label(BlockDevice partition) throws IOException {
        requireExt(partition);
        try (Ext4Volume vol = Ext4Volume.open(partition, Ext4Options.defaults())) {
            return vol.label();
        }
    }

    @Override
    public void checkLabel(String label) throws IOException {
        Ext4Volume.checkLabel(label);
    }

    @Override
    public void setLabel(BlockDevice partition, String label) throws IOException {
        requireExt(partition);
        try (Ext4Volume vol = Ext4Volume.open(partition, Ext4Options.builder().writable(true).build())) {
            vol.setLabel(label);
        }
    }
}
