package io.imgtool.gpt;

import io.imgtool.core.BlockDevice;
import java.io.IOException;

/**
 * Strategy for {@link RootLabeler}'s {@code fsLabel} option: reads and sets the volume label of the
 * filesystem in a partition. The ext4 module provides one; without it the option fails with an
 * {@link io.imgtool.core.UnsupportedFeatureException} before anything is written.
 */
public interface FsLabelWriter {

    /** The current label, empty when none; fails if the partition holds no filesystem this writer knows. */
    String label(BlockDevice partition) throws IOException;

    /** Checks that {@code label} is acceptable (length, characters) without writing; throws otherwise. */
    void checkLabel(String label) throws IOException;

    /** Sets the label (the partition is writable). */
    void setLabel(BlockDevice partition, String label) throws IOException;
}
