package io.imgtool.sysprep.inspect;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.Extent;
import io.imgtool.ext4.Ext4Options;
import io.imgtool.ext4.Ext4Volume;
import io.imgtool.gpt.FilesystemProbe;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.util.List;
import java.util.Set;

/**
 * An ext2/3/4 filesystem of the guest through imgtool's ext4 engine. Read-only volumes use the read
 * engine (a dirty journal is replayed in memory); writable ones go through the ext4 writer, which
 * replays a dirty journal on the device before it writes.
 */
public final class Ext4GuestVolume implements GuestVolume {

    /** Opens ext2, ext3 and ext4; returns null for other types. */
    public static final VolumeOpener OPENER = Ext4GuestVolume::open;

    static final Set<String> TYPES = Set.of("ext2", "ext3", "ext4");

    private final BlockDevice device;
    private final Ext4Volume volume;
    private final String type;
    private final boolean writable;
    private Ext4FreeSpace.Result free;

    private Ext4GuestVolume(BlockDevice device, Ext4Volume volume, String type, boolean writable) {
        this.device = device;
        this.volume = volume;
        this.type = type;
        this.writable = writable;
    }

    /** Opens {@code device} when {@code probe} says ext2/3/4, else returns null. */
    public static GuestVolume open(BlockDevice device, FilesystemProbe.Info probe, boolean writable) throws IOException {
        if (!TYPES.contains(probe.type())) {
            return null;
        }
        Ext4Options options = writable ? Ext4Options.builder().writable(true).build() : Ext4Options.defaults();
        return new Ext4GuestVolume(device, Ext4Volume.open(device, options), probe.type(), writable);
    }

    /** The engine's volume. */
    public Ext4Volume volume() {
        return volume;
    }

    @Override
    public FileSystem fileSystem() {
        return volume.fileSystem();
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public String uuid() {
        return volume.superblock().uuidString();
    }

    @Override
    public String label() {
        return volume.superblock().volumeName();
    }

    @Override
    public boolean writable() {
        return writable;
    }

    @Override
    public List<Extent> freeExtents() throws IOException {
        return free().free();
    }

    @Override
    public String freeSpaceNote() throws IOException {
        Ext4FreeSpace.Result r = free();
        if (!r.skipped().isEmpty()) {
            return "free space not dropped: " + r.skipped();
        }
        return r.problems().isEmpty() ? "" : String.join("; ", r.problems());
    }

    private Ext4FreeSpace.Result free() throws IOException {
        if (free == null) {
            free = Ext4FreeSpace.read(device);
        }
        return free;
    }

    @Override
    public boolean hasErrors() {
        io.imgtool.ext4.ondisk.Superblock sb = volume.superblock();
        return (sb.state() & io.imgtool.ext4.ondisk.Superblock.STATE_ERROR) != 0 || sb.errorCount() > 0;
    }

    @Override
    public void setLabel(String label) throws IOException {
        volume.setLabel(label);
    }

    @Override
    public void checkLabel(String label) throws IOException {
        Ext4Volume.checkLabel(label);
    }

    @Override
    public void setUuid(java.util.UUID uuid) throws IOException {
        volume.setUuid(uuid);
    }

    @Override
    public boolean scrubFile(java.nio.file.Path file) throws IOException {
        return volume.scrubFile(file);
    }

    @Override
    public void resetMountState() throws IOException {
        volume.resetMountState();
    }

    @Override
    public void close() throws IOException {
        volume.close();
    }
}
