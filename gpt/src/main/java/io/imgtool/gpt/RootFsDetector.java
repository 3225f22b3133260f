package io.imgtool.gpt;

import io.imgtool.core.BlockDevice;
import java.io.IOException;

/**
 * Strategy for {@link RootLabeler}: does this partition hold a root filesystem? The ext4 module
 * answers by looking for {@code /etc/os-release} and {@code /sbin/init} or
 * {@code /usr/lib/systemd/systemd}; until one is plugged in, {@link #UNKNOWN} answers for every
 * partition and the labeler falls back to partition types.
 */
@FunctionalInterface
public interface RootFsDetector {

    enum Answer { YES, NO, UNKNOWN }

    /** Looks into {@code partition} (read-only use; do not close it) and answers. */
    Answer isRootFilesystem(BlockDevice partition) throws IOException;

    /** Knows nothing about any filesystem. */
    RootFsDetector UNKNOWN = partition -> Answer.UNKNOWN;
}
