package io.imgtool.sysprep.sample;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.core.RawFileDevice;
import io.imgtool.core.SliceDevice;
import io.imgtool.ext4.mkfs.Ext4Formatter;
import io.imgtool.gpt.GptPartition;
import io.imgtool.gpt.GptTable;
import io.imgtool.gpt.NewPartition;
import io.imgtool.gpt.PartitionType;
import io.imgtool.qcow2.Qcow2Image;
import io.imgtool.qcow2.Qcow2Options;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * The project's sample <em>used</em> guest disk, built with imgtool's own writers and nothing else:
 * a GPT disk laid out like Debian's cloud images (partition 14 BIOS boot at 1 MiB, partition 1 the
 * root ext4 over the rest; no ESP, as imgtool writes no FAT) whose root filesystem holds
 * {@link UsedGuestTree} (a Debian 12 or RHEL 9 guest with logs, history, leases, SSH host keys,
 * cloud-init state and link traps). Made from a jimfs tree, so owners and modes are the guest's,
 * not the caller's.
 *
 * <p>Reproducible: GUIDs, UUIDs, hash seed and timestamps are fixed, so the same arguments give the
 * same bytes.
 */
public final class SampleGuestImage {

    /** The root filesystem's UUID. */
    public static final UUID ROOT_UUID = UUID.fromString("3b5f1c2e-8d7a-4e69-9c0b-2a4d6e8f1a3c");
    /** Fixed clock of the sample (2024-06-01T00:00:00Z). */
    public static final long EPOCH = 1_717_200_000L;
    static final long MIN_SIZE = 64L << 20;
    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> JIMFS_DEFAULT_MODE =
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--");
    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> DIRECTORY_MODE =
            java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x");

    private final UsedGuestTree tree;
    private long size = 1L << 30;
    private boolean qcow2 = true;

    private SampleGuestImage(UsedGuestTree tree) {
        this.tree = tree;
    }

    /** A sample built from {@code tree}. */
    public static SampleGuestImage of(UsedGuestTree tree) {
        return new SampleGuestImage(tree);
    }

    /** Virtual disk size (default 1 GiB, at least 64 MiB, whole MiB). */
    public SampleGuestImage size(long bytes) throws ImageException {
        if (bytes < MIN_SIZE || bytes % (1 << 20) != 0) {
            throw ImageException.invalidArgument("sample guest size must be whole MiB and at least 64M, not " + bytes);
        }
        this.size = bytes;
        return this;
    }

    /** qcow2 (default) or a sparse raw file. */
    public SampleGuestImage qcow2(boolean on) {
        this.qcow2 = on;
        return this;
    }

    /**
     * Directories the tree made implicitly have jimfs's default owner and mode (user, 0644): make
     * them root's and 0755, as in a guest.
     */
    private static void settle(Path root) throws IOException {
        java.nio.file.attribute.UserPrincipalLookupService names = root.getFileSystem().getUserPrincipalLookupService();
        java.nio.file.attribute.UserPrincipal user = names.lookupPrincipalByName("0");
        java.nio.file.attribute.GroupPrincipal group = names.lookupPrincipalByGroupName("0");
        try (java.util.stream.Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                java.nio.file.attribute.PosixFileAttributeView v = Files.getFileAttributeView(p,
                        java.nio.file.attribute.PosixFileAttributeView.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                java.nio.file.attribute.PosixFileAttributes a = v.readAttributes();
                if (!a.owner().getName().matches("\\d+")) {
                    v.setOwner(user);
                }
                if (!a.group().getName().matches("\\d+")) {
                    v.setGroup(group);
                }
                if (a.isDirectory() && a.permissions().equals(JIMFS_DEFAULT_MODE)) {
                    v.setPermissions(DIRECTORY_MODE);
                }
            }
        }
    }

    /** The root partition's last sector: before the backup GPT, ending on a 1 MiB boundary. */
    private static long rootEnd(long size) {
        long lastUsable = size / 512 - 34;
        return (lastUsable + 1) / 2048 * 2048 - 1;
    }

    /** Writes the disk to {@code out}, which must not exist. */
    public void write(Path out) throws IOException {
        if (Files.exists(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw ImageException.invalidArgument(out + " exists; the sample is only written to a new file");
        }
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix().toBuilder()
                .setAttributeViews("basic", "owner", "posix", "unix").build())) {
            Path root = fs.getPath("/guest");
            Files.createDirectory(root);
            tree.build(root);
            settle(root);
            boolean done = false;
            try (BlockDevice disk = qcow2 ? Qcow2Image.create(out, Qcow2Options.builder().size(size).build())
                    : RawFileDevice.create(out, size)) {
                SplittableRandom random = new SplittableRandom(EPOCH);
                GptTable t = GptTable.create(disk, 512, new UUID(random.nextLong(), random.nextLong()))
                        .add(NewPartition.builder().number(14).firstLba(2048).lastLba(8191)
                                .type(PartitionType.BIOS_BOOT).build(), random)
                        .add(NewPartition.builder().number(1).firstLba(8192).lastLba(rootEnd(size))
                                .type(PartitionType.LINUX).build(), random);
                t.write(disk);
                GptPartition p = t.partition(1);
                try (BlockDevice part = SliceDevice.of(disk, p.offset(), p.size())) {
                    Ext4Formatter.builder().uuid(ROOT_UUID).hashSeed(new UUID(random.nextLong(), random.nextLong()))
                            .reproducible(true).sourceDateEpoch(EPOCH).assumeZeroed(true).build()
                            .format(part, root);
                }
                disk.flush();
                done = true;
            } finally {
                if (!done) {
                    Files.deleteIfExists(out);
                }
            }
        }
    }
}
