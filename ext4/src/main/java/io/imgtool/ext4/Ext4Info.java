package io.imgtool.ext4;

import io.imgtool.ext4.internal.FsContext;
import io.imgtool.ext4.ondisk.DxRootInfo;
import io.imgtool.ext4.ondisk.Features;
import io.imgtool.ext4.ondisk.Superblock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The superblock summary {@code dumpe2fs -h} prints, as ordered fields with dumpe2fs' labels (for
 * text) and stable keys (for JSON).
 */
public record Ext4Info(List<Field> fields) {

    /** One line: dumpe2fs' label, a JSON key, and the value (String, Long, Boolean or List of String). */
    public record Field(String label, String key, Object value) {
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss yyyy", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Field f : fields) {
            m.put(f.key(), f.value());
        }
        return m;
    }

    /** The value of the field with JSON key {@code key}, or null. */
    public Object get(String key) {
        for (Field f : fields) {
            if (f.key().equals(key)) {
                return f.value();
            }
        }
        return null;
    }

    /** dumpe2fs-style text: "Label:    value" lines, labels padded to 26 columns. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        for (Field f : fields) {
            String label = f.label() + ":";
            sb.append(label);
            sb.append(" ".repeat(Math.max(1, 26 - label.length())));
            Object v = f.value();
            sb.append(v instanceof List<?> l ? String.join(" ", l.stream().map(String::valueOf).toList()) : v);
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String time(Superblock sb, int off, Instant t) {
        return sb.timeSet(off) ? TIME.format(t) : "n/a";
    }

    static Ext4Info of(Ext4Volume vol, FsContext fs) {
        Superblock sb = fs.sb;
        List<Field> f = new ArrayList<>();
        f.add(new Field("Filesystem volume name", "volume_name", sb.volumeName().isEmpty() ? "<none>" : sb.volumeName()));
        f.add(new Field("Last mounted on", "last_mounted", sb.lastMounted().isEmpty() ? "<not available>" : sb.lastMounted()));
        f.add(new Field("Filesystem UUID", "uuid", sb.uuidString()));
        f.add(new Field("Filesystem magic number", "magic", String.format("0x%04X", sb.magic())));
        f.add(new Field("Filesystem revision #", "revision", sb.revLevel() + (sb.revLevel() == 1 ? " (dynamic)" : " (original)")));
        f.add(new Field("Filesystem features", "features", Features.names(sb.featureCompat(), sb.featureIncompat(),
                sb.featureRoCompat())));
        List<String> flags = new ArrayList<>();
        if ((sb.flags() & Superblock.FLAG_SIGNED_HASH) != 0) {
            flags.add("signed_directory_hash");
        }
        if ((sb.flags() & Superblock.FLAG_UNSIGNED_HASH) != 0) {
            flags.add("unsigned_directory_hash");
        }
        if ((sb.flags() & Superblock.FLAG_TEST_FILESYS) != 0) {
            flags.add("test_filesystem");
        }
        f.add(new Field("Filesystem flags", "flags", flags));
        List<String> mopts = new ArrayList<>();
        long dmo = sb.defaultMountOpts();
        String[] names = {"debug", "bsdgroups", "user_xattr", "acl", "uid16", "journal_data", "journal_data_ordered",
            "journal_data_writeback", "nobarrier", "block_validity", "discard", "nodelalloc"};
        int[] bits = {0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x60, 0x100, 0x200, 0x400, 0x800};
        for (int i = 0; i < names.length; i++) {
            if (i >= 5 && i <= 7) {
                if ((dmo & 0x60) == bits[i]) {
                    mopts.add(names[i]);
                }
            } else if ((dmo & bits[i]) != 0) {
                mopts.add(names[i]);
            }
        }
        f.add(new Field("Default mount options", "default_mount_options", mopts.isEmpty() ? List.of("(none)") : mopts));
        String state = (sb.state() & Superblock.STATE_VALID) != 0 ? "clean" : "not clean";
        if ((sb.state() & Superblock.STATE_ERROR) != 0) {
            state += " with errors";
        }
        f.add(new Field("Filesystem state", "state", state));
        f.add(new Field("Errors behavior", "errors_behavior", switch (sb.errors()) {
            case 1 -> "Continue";
            case 2 -> "Remount read-only";
            case 3 -> "Panic";
            default -> "Unknown (" + sb.errors() + ")";
        }));
        f.add(new Field("Filesystem OS type", "os_type", switch ((int) sb.creatorOs()) {
            case 0 -> "Linux";
            case 1 -> "Hurd";
            case 2 -> "Masix";
            case 3 -> "FreeBSD";
            case 4 -> "Lites";
            default -> "(unknown os)";
        }));
        f.add(new Field("Inode count", "inode_count", sb.inodesCount()));
        f.add(new Field("Block count", "block_count", sb.blocksCount()));
        f.add(new Field("Reserved block count", "reserved_block_count", sb.reservedBlocksCount()));
        if (sb.overheadClusters() != 0) {
            f.add(new Field("Overhead clusters", "overhead_clusters", sb.overheadClusters()));
        }
        f.add(new Field("Free blocks", "free_blocks", sb.freeBlocksCount()));
        f.add(new Field("Free inodes", "free_inodes", sb.freeInodesCount()));
        f.add(new Field("First block", "first_block", sb.firstDataBlock()));
        f.add(new Field("Block size", "block_size", (long) sb.blockSize()));
        boolean bigalloc = sb.hasRoCompat(Features.RO_COMPAT_BIGALLOC);
        f.add(new Field(bigalloc ? "Cluster size" : "Fragment size", "cluster_size", sb.clusterSize()));
        if (sb.is64Bit()) {
            f.add(new Field("Group descriptor size", "group_descriptor_size", (long) sb.descSize()));
        }
        if (sb.reservedGdtBlocks() != 0) {
            f.add(new Field("Reserved GDT blocks", "reserved_gdt_blocks", (long) sb.reservedGdtBlocks()));
        }
        f.add(new Field("Blocks per group", "blocks_per_group", sb.blocksPerGroup()));
        f.add(new Field(bigalloc ? "Clusters per group" : "Fragments per group", "clusters_per_group", sb.clustersPerGroup()));
        f.add(new Field("Inodes per group", "inodes_per_group", sb.inodesPerGroup()));
        f.add(new Field("Inode blocks per group", "inode_blocks_per_group", fs.geo.inodeTableBlocks()));
        if (sb.hasIncompat(Features.INCOMPAT_FLEX_BG)) {
            f.add(new Field("Flex block group size", "flex_bg_size", 1L << sb.logGroupsPerFlex()));
        }
        if (sb.hasIncompat(Features.INCOMPAT_META_BG)) {
            f.add(new Field("First meta block group", "first_meta_bg", sb.firstMetaBg()));
        }
        f.add(new Field("Filesystem created", "created", time(sb, Superblock.MKFS_TIME, sb.mkfsTime())));
        f.add(new Field("Last mount time", "last_mount_time", time(sb, Superblock.MTIME, sb.mountTime())));
        f.add(new Field("Last write time", "last_write_time", time(sb, Superblock.WTIME, sb.writeTime())));
        f.add(new Field("Mount count", "mount_count", (long) sb.mountCount()));
        f.add(new Field("Maximum mount count", "max_mount_count", (long) sb.maxMountCount()));
        f.add(new Field("Last checked", "last_checked", time(sb, Superblock.LASTCHECK, sb.lastCheck())));
        f.add(new Field("Check interval", "check_interval", sb.checkInterval()));
        if (sb.kbytesWritten() != 0) {
            f.add(new Field("Lifetime writes", "lifetime_writes_kib", sb.kbytesWritten()));
        }
        f.add(new Field("Reserved blocks uid", "reserved_blocks_uid", (long) sb.defResuid()));
        f.add(new Field("Reserved blocks gid", "reserved_blocks_gid", (long) sb.defResgid()));
        if (sb.revLevel() >= 1) {
            f.add(new Field("First inode", "first_inode", sb.firstIno()));
            f.add(new Field("Inode size", "inode_size", (long) sb.inodeSize()));
            if (sb.minExtraIsize() != 0) {
                f.add(new Field("Required extra isize", "required_extra_isize", (long) sb.minExtraIsize()));
            }
            if (sb.wantExtraIsize() != 0) {
                f.add(new Field("Desired extra isize", "desired_extra_isize", (long) sb.wantExtraIsize()));
            }
        }
        if (sb.hasCompat(Features.COMPAT_HAS_JOURNAL)) {
            if (sb.journalInum() != 0) {
                f.add(new Field("Journal inode", "journal_inode", sb.journalInum()));
            } else {
                f.add(new Field("Journal UUID", "journal_uuid", io.imgtool.ext4.ondisk.Le.uuid(sb.journalUuid(), 0)));
                f.add(new Field("Journal device", "journal_device", String.format("0x%04x", sb.journalDev())));
            }
        }
        f.add(new Field("Default directory hash", "default_directory_hash", DxRootInfo.hashName(sb.defHashVersion())));
        f.add(new Field("Directory Hash Seed", "directory_hash_seed", sb.hashSeedString()));
        if (sb.jnlBackupType() == 1) {
            f.add(new Field("Journal backup", "journal_backup", "inode blocks"));
        }
        if (sb.hasIncompat(Features.INCOMPAT_CASEFOLD)) {
            f.add(new Field("Character encoding", "encoding", sb.encoding() == 1 ? "utf8-12.1" : "unknown(" + sb.encoding() + ")"));
        }
        if (sb.hasMetadataCsum()) {
            f.add(new Field("Checksum type", "checksum_type", sb.checksumType() == 1 ? "crc32c" : "unknown"));
            f.add(new Field("Checksum", "checksum", String.format("0x%08x", sb.checksum())));
        }
        if (sb.hasIncompat(Features.INCOMPAT_CSUM_SEED)) {
            f.add(new Field("Checksum seed", "checksum_seed", String.format("0x%08x", sb.checksumSeedField())));
        }
        if (sb.orphanFileInum() != 0) {
            f.add(new Field("Orphan file inode", "orphan_file_inode", sb.orphanFileInum()));
        }
        vol.journalReplay().ifPresent(r -> f.add(new Field("Journal replayed in memory", "journal_replay",
                r.transactions() + " transactions, " + r.blocksReplayed() + " blocks")));
        return new Ext4Info(List.copyOf(f));
    }
}
