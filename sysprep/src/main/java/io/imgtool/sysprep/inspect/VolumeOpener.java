package io.imgtool.sysprep.inspect;

import io.imgtool.core.BlockDevice;
import io.imgtool.gpt.FilesystemProbe;
import java.io.IOException;

/** Opens the filesystem of a partition as a {@link GuestVolume}; {@link Ext4GuestVolume#OPENER} for ext2/3/4. */
@FunctionalInterface
public interface VolumeOpener {

    /**
     * @param device the partition (a slice of the disk; the volume does not close it)
     * @param probe what the probe found on it
     * @param writable whether sealing will write to it
     * @return the volume, or null when this opener does not handle {@code probe.type()}
     */
    GuestVolume open(BlockDevice device, FilesystemProbe.Info probe, boolean writable) throws IOException;
}
