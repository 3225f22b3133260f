package io.imgtool.ext4.ondisk;

import io.imgtool.core.ImageFormatException;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * The ext2/3/4 superblock: 1024 bytes at byte offset 1024 of the filesystem (field layout from
 * Documentation/filesystems/ext4/super.rst). The raw bytes are kept, so fields this class does not
 * name survive a {@link #writeTo} unchanged; getters decode on demand, setters write through.
 */
public final class Superblock {

    public static final int SIZE = 1024;
    /** Byte offset of the primary superblock from the start of the filesystem. */
    public static final long OFFSET = 1024;
    public static final int MAGIC = 0xEF53;
    /** Offset of s_checksum. */
    public static final int CHECKSUM_OFFSET = 0x3FC;
    private static final String S = "ext4 superblock";

    /** s_state bits. */
    public static final int STATE_VALID = 0x1;
    public static final int STATE_ERROR = 0x2;
    public static final int STATE_ORPHANS = 0x4;
    /** s_flags bits. */
    public static final int FLAG_SIGNED_HASH = 0x1;
    public static final int FLAG_UNSIGNED_HASH = 0x2;
    public static final int FLAG_TEST_FILESYS = 0x4;

    private final byte[] raw;

    private Superblock(byte[] raw) {
        this.raw = raw;
    }

    /** Copies {@link #SIZE} bytes from {@code src} (from its position; the position is not moved). */
    public static Superblock parse(ByteBuffer src) throws ImageFormatException {
        if (src.remaining() < SIZE) {
            throw new ImageFormatException(S, OFFSET, "truncated: " + src.remaining() + " of " + SIZE + " bytes");
        }
        byte[] b = new byte[SIZE];
        src.get(src.position(), b);
        Superblock sb = new Superblock(b);
        sb.validate();
        return sb;
    }

    /** Writes the 1024 raw bytes at {@code dst}'s position (the position is not moved). */
    public void writeTo(ByteBuffer dst) {
        dst.put(dst.position(), raw);
    }

    /** The raw bytes (a copy). */
    public byte[] toBytes() {
        return raw.clone();
    }

    /** Direct access for checksum computation: callers must not keep or modify it. */
    byte[] raw() {
        return raw;
    }

    private ImageFormatException bad(String field, int off, Object value, String reason) {
        return new ImageFormatException(S, field, OFFSET + off, value, reason);
    }

    /**
     * Checks what every later computation relies on: magic, block and cluster sizes, group sizes,
     * inode size and descriptor size in range. The geometry against the device is checked by the volume.
     */
    public void validate() throws ImageFormatException {
        if (magic() != MAGIC) {
            throw bad("s_magic", 0x38, String.format("0x%04x", magic()), "not an ext2/3/4 filesystem (expected 0xef53)");
        }
        long logBs = Le.u32(raw, 0x18);
        if (logBs > 6) {
            throw bad("s_log_block_size", 0x18, logBs, "block size above 64 KiB");
        }
        if (revLevel() > 1) {
            throw bad("s_rev_level", 0x4C, revLevel(), "unknown revision");
        }
        long bpg = Le.u32(raw, 0x20);
        long ratio = hasRoCompat(Features.RO_COMPAT_BIGALLOC) && Le.u32(raw, 0x1C) >= logBs && Le.u32(raw, 0x1C) <= 29
                ? 1L << (Le.u32(raw, 0x1C) - logBs) : 1;
        if (bpg == 0 || bpg > 8L * blockSize() * ratio) {
            throw bad("s_blocks_per_group", 0x20, bpg, "must be 1.." + 8L * blockSize() * ratio + " (one bitmap block)");
        }
        long ipg = Le.u32(raw, 0x28);
        if (ipg == 0 || ipg > 8L * blockSize()) {
            throw bad("s_inodes_per_group", 0x28, ipg, "must be 1.." + 8L * blockSize());
        }
        if (hasRoCompat(Features.RO_COMPAT_BIGALLOC)) {
            long logCs = Le.u32(raw, 0x1C);
            if (logCs < logBs || logCs > 29) {
                throw bad("s_log_cluster_size", 0x1C, logCs, "cluster size out of range");
            }
            long cpg = Le.u32(raw, 0x24);
            if (cpg == 0 || cpg > 8L * blockSize()) {
                throw bad("s_clusters_per_group", 0x24, cpg, "must be 1.." + 8L * blockSize());
            }
        }
        int isz = inodeSize();
        if (isz < 128 || isz > blockSize() || Integer.bitCount(isz) != 1) {
            throw bad("s_inode_size", 0x58, isz, "must be a power of two from 128 to the block size");
        }
        if (revLevel() >= 1 && firstIno() < 11) {
            throw bad("s_first_ino", 0x54, firstIno(), "below 11");
        }
        if (is64Bit()) {
            int ds = Le.u16(raw, 0xFE);
            if (ds < 64 || ds > 1024 || Integer.bitCount(ds) != 1) {
                throw bad("s_desc_size", 0xFE, ds, "must be a power of two from 64 to 1024 with 64bit");
            }
        }
        long first = firstDataBlock();
        if (first != (blockSize() == 1024 ? 1 : 0) && !(blockSize() == 1024 && first == 0 && hasRoCompat(Features.RO_COMPAT_BIGALLOC))) {
            throw bad("s_first_data_block", 0x14, first, "must be 1 with 1 KiB blocks, 0 otherwise");
        }
        if (blocksCount() <= first) {
            throw bad("s_blocks_count", 0x4, blocksCount(), "no blocks past the superblock");
        }
        if (inodesCount() == 0 || inodesCount() > groupCount() * inodesPerGroup()) {
            throw bad("s_inodes_count", 0x0, inodesCount(), "exceeds groups x inodes per group ("
                    + groupCount() * inodesPerGroup() + ")");
        }
        if (hasRoCompat(Features.RO_COMPAT_METADATA_CSUM) && checksumType() != 1) {
            throw bad("s_checksum_type", 0x175, checksumType(), "only crc32c (1) is defined");
        }
    }

    // ---- geometry --------------------------------------------------------------------------------

    public long inodesCount() {
        return Le.u32(raw, 0x0);
    }

    public long blocksCount() {
        long lo = Le.u32(raw, 0x4);
        return is64Bit() ? lo | Le.u32(raw, 0x150) << 32 : lo;
    }

    public long reservedBlocksCount() {
        long lo = Le.u32(raw, 0x8);
        return is64Bit() ? lo | Le.u32(raw, 0x154) << 32 : lo;
    }

    public long freeBlocksCount() {
        long lo = Le.u32(raw, 0xC);
        return is64Bit() ? lo | Le.u32(raw, 0x158) << 32 : lo;
    }

    public long freeInodesCount() {
        return Le.u32(raw, 0x10);
    }

    public long firstDataBlock() {
        return Le.u32(raw, 0x14);
    }

    public int logBlockSize() {
        return (int) Le.u32(raw, 0x18);
    }

    public int blockSize() {
        return 1024 << logBlockSize();
    }

    /** Cluster size in bytes (equals the block size without bigalloc). */
    public long clusterSize() {
        return hasRoCompat(Features.RO_COMPAT_BIGALLOC) ? 1024L << Le.u32(raw, 0x1C) : blockSize();
    }

    public long blocksPerGroup() {
        return Le.u32(raw, 0x20);
    }

    public long clustersPerGroup() {
        return hasRoCompat(Features.RO_COMPAT_BIGALLOC) ? Le.u32(raw, 0x24) : blocksPerGroup();
    }

    public long inodesPerGroup() {
        return Le.u32(raw, 0x28);
    }

    /** Number of block groups: ceil((blocks_count - first_data_block) / blocks_per_group). */
    public long groupCount() {
        long span = blocksCount() - firstDataBlock();
        return (span + blocksPerGroup() - 1) / blocksPerGroup();
    }

    public int inodeSize() {
        return revLevel() == 0 ? 128 : Le.u16(raw, 0x58);
    }

    public long firstIno() {
        return revLevel() == 0 ? 11 : Le.u32(raw, 0x54);
    }

    /** Group descriptor size in bytes: 32, or s_desc_size with 64bit. */
    public int descSize() {
        return is64Bit() ? Le.u16(raw, 0xFE) : 32;
    }

    public long firstMetaBg() {
        return Le.u32(raw, 0x104);
    }

    public int reservedGdtBlocks() {
        return Le.u16(raw, 0xCE);
    }

    public int logGroupsPerFlex() {
        return Le.u8(raw, 0x174);
    }

    /** s_backup_bgs[0..1] (sparse_super2). */
    public long[] backupBgs() {
        return new long[] {Le.u32(raw, 0x24C), Le.u32(raw, 0x250)};
    }

    // ---- features --------------------------------------------------------------------------------

    public int featureCompat() {
        return Le.i32(raw, 0x5C);
    }

    public int featureIncompat() {
        return Le.i32(raw, 0x60);
    }

    public int featureRoCompat() {
        return Le.i32(raw, 0x64);
    }

    public boolean hasCompat(int bit) {
        return (featureCompat() & bit) != 0;
    }

    public boolean hasIncompat(int bit) {
        return (featureIncompat() & bit) != 0;
    }

    public boolean hasRoCompat(int bit) {
        return (featureRoCompat() & bit) != 0;
    }

    public boolean is64Bit() {
        return hasIncompat(Features.INCOMPAT_64BIT);
    }

    public boolean hasMetadataCsum() {
        return hasRoCompat(Features.RO_COMPAT_METADATA_CSUM);
    }

    /** Group descriptors carry a checksum: metadata_csum (crc32c) or gdt_csum/uninit_bg (crc16). */
    public boolean hasGroupDescCsum() {
        return hasMetadataCsum() || hasRoCompat(Features.RO_COMPAT_GDT_CSUM);
    }

    // ---- identity and state ----------------------------------------------------------------------

    public int magic() {
        return Le.u16(raw, 0x38);
    }

    public int state() {
        return Le.u16(raw, 0x3A);
    }

    public int errors() {
        return Le.u16(raw, 0x3C);
    }

    public int minorRevLevel() {
        return Le.u16(raw, 0x3E);
    }

    public long revLevel() {
        return Le.u32(raw, 0x4C);
    }

    public long creatorOs() {
        return Le.u32(raw, 0x48);
    }

    public int mountCount() {
        return Le.u16(raw, 0x34);
    }

    public int maxMountCount() {
        return (short) Le.u16(raw, 0x36);
    }

    public long checkInterval() {
        return Le.u32(raw, 0x44);
    }

    public int defResuid() {
        return Le.u16(raw, 0x50);
    }

    public int defResgid() {
        return Le.u16(raw, 0x52);
    }

    public byte[] uuid() {
        byte[] u = new byte[16];
        System.arraycopy(raw, 0x68, u, 0, 16);
        return u;
    }

    public String uuidString() {
        return Le.uuid(raw, 0x68);
    }

    public String volumeName() {
        return Le.cString(raw, 0x78, 16);
    }

    public String lastMounted() {
        return Le.cString(raw, 0x88, 64);
    }

    public String mountOptions() {
        return Le.cString(raw, 0x200, 64);
    }

    public byte[] journalUuid() {
        byte[] u = new byte[16];
        System.arraycopy(raw, 0xD0, u, 0, 16);
        return u;
    }

    public long journalInum() {
        return Le.u32(raw, 0xE0);
    }

    public long journalDev() {
        return Le.u32(raw, 0xE4);
    }

    public long lastOrphan() {
        return Le.u32(raw, 0xE8);
    }

    /** s_hash_seed as four 32-bit words. */
    public int[] hashSeed() {
        return new int[] {Le.i32(raw, 0xEC), Le.i32(raw, 0xF0), Le.i32(raw, 0xF4), Le.i32(raw, 0xF8)};
    }

    public String hashSeedString() {
        return Le.uuid(raw, 0xEC);
    }

    public int defHashVersion() {
        return Le.u8(raw, 0xFC);
    }

    public int jnlBackupType() {
        return Le.u8(raw, 0xFD);
    }

    public long defaultMountOpts() {
        return Le.u32(raw, 0x100);
    }

    public int minExtraIsize() {
        return Le.u16(raw, 0x15C);
    }

    public int wantExtraIsize() {
        return Le.u16(raw, 0x15E);
    }

    public long flags() {
        return Le.u32(raw, 0x160);
    }

    public int raidStride() {
        return Le.u16(raw, 0x164);
    }

    public long raidStripeWidth() {
        return Le.u32(raw, 0x170);
    }

    public int mmpInterval() {
        return Le.u16(raw, 0x166);
    }

    public long mmpBlock() {
        return Le.u64(raw, 0x168);
    }

    public int checksumType() {
        return Le.u8(raw, 0x175);
    }

    public long kbytesWritten() {
        return Le.u64(raw, 0x178);
    }

    public long errorCount() {
        return Le.u32(raw, 0x194);
    }

    public long usrQuotaInum() {
        return Le.u32(raw, 0x240);
    }

    public long grpQuotaInum() {
        return Le.u32(raw, 0x244);
    }

    public long prjQuotaInum() {
        return Le.u32(raw, 0x26C);
    }

    public long overheadClusters() {
        return Le.u32(raw, 0x248);
    }

    public long lpfIno() {
        return Le.u32(raw, 0x268);
    }

    /** s_checksum_seed (meaningful with metadata_csum_seed). */
    public long checksumSeedField() {
        return Le.u32(raw, 0x270);
    }

    public int encoding() {
        return Le.u16(raw, 0x27C);
    }

    public int encodingFlags() {
        return Le.u16(raw, 0x27E);
    }

    public long orphanFileInum() {
        return Le.u32(raw, 0x280);
    }

    public long checksum() {
        return Le.u32(raw, CHECKSUM_OFFSET);
    }

    public void setChecksum(long crc) {
        Le.put32(raw, CHECKSUM_OFFSET, crc);
    }

    /** s_jnl_blocks: the journal inode's i_block[0..14], i_size_high and i_size (backup). */
    public long[] jnlBlocks() {
        long[] out = new long[17];
        for (int i = 0; i < 17; i++) {
            out[i] = Le.u32(raw, 0x10C + 4 * i);
        }
        return out;
    }

    // ---- times (with the _hi bytes of newer kernels) ----------------------------------------------

    private Instant time(int off, int hiOff) {
        long lo = Le.u32(raw, off);
        long hi = Le.u8(raw, hiOff);
        return Instant.ofEpochSecond(lo | hi << 32);
    }

    public Instant mountTime() {
        return time(0x2C, 0x275);
    }

    public Instant writeTime() {
        return time(0x30, 0x274);
    }

    public Instant lastCheck() {
        return time(0x40, 0x277);
    }

    public Instant mkfsTime() {
        return time(0x108, 0x276);
    }

    public Instant firstErrorTime() {
        return time(0x198, 0x278);
    }

    public Instant lastErrorTime() {
        return time(0x1CC, 0x279);
    }

    public boolean timeSet(int off) {
        return Le.u32(raw, off) != 0;
    }

    /** Offsets for {@link #timeSet}. */
    public static final int MTIME = 0x2C;
    public static final int WTIME = 0x30;
    public static final int LASTCHECK = 0x40;
    public static final int MKFS_TIME = 0x108;
    public static final int FIRST_ERROR_TIME = 0x198;
    public static final int LAST_ERROR_TIME = 0x1CC;

    // ---- writer (issue 5): setters write through to the raw bytes --------------------------------

    public void setFreeBlocksCount(long v) {
        Le.put32(raw, 0xC, v);
        if (is64Bit()) {
            Le.put32(raw, 0x158, v >>> 32);
        }
    }

    public void setFreeInodesCount(long v) {
        Le.put32(raw, 0x10, v);
    }

    public void setState(int v) {
        Le.put16(raw, 0x3A, v);
    }

    public void setMountCount(int v) {
        Le.put16(raw, 0x34, v);
    }

    public void setFeatureCompat(int v) {
        Le.put32(raw, 0x5C, v);
    }

    public void setFeatureIncompat(int v) {
        Le.put32(raw, 0x60, v);
    }

    public void setFeatureRoCompat(int v) {
        Le.put32(raw, 0x64, v);
    }

    public void setUuid(byte[] uuid16) {
        System.arraycopy(uuid16, 0, raw, 0x68, 16);
    }

    /** s_volume_name: at most 16 bytes, NUL-padded. */
    public void setVolumeName(byte[] name) {
        if (name.length > 16) {
            throw new IllegalArgumentException("volume name longer than 16 bytes");
        }
        java.util.Arrays.fill(raw, 0x78, 0x78 + 16, (byte) 0);
        System.arraycopy(name, 0, raw, 0x78, name.length);
    }

    /** s_last_mounted: at most 64 bytes, NUL-padded. */
    public void setLastMounted(byte[] path) {
        if (path.length > 64) {
            throw new IllegalArgumentException("last-mounted path longer than 64 bytes");
        }
        java.util.Arrays.fill(raw, 0x88, 0x88 + 64, (byte) 0);
        System.arraycopy(path, 0, raw, 0x88, path.length);
    }

    public void setLastOrphan(long ino) {
        Le.put32(raw, 0xE8, ino);
    }

    public void setChecksumSeedField(long seed) {
        Le.put32(raw, 0x270, seed);
    }

    /** s_block_group_nr: the group a (backup) superblock copy lives in. */
    public int blockGroupNr() {
        return Le.u16(raw, 0x5A);
    }

    public void setBlockGroupNr(int group) {
        Le.put16(raw, 0x5A, group);
    }

    /** Sets a time field and its _hi byte (offsets as {@link #WTIME} etc.). */
    public void setTime(int off, long epochSeconds) {
        int hi = switch (off) {
            case MTIME -> 0x275;
            case WTIME -> 0x274;
            case LASTCHECK -> 0x277;
            case MKFS_TIME -> 0x276;
            case FIRST_ERROR_TIME -> 0x278;
            case LAST_ERROR_TIME -> 0x279;
            default -> throw new IllegalArgumentException("not a superblock time field: " + off);
        };
        Le.put32(raw, off, epochSeconds);
        Le.put8(raw, hi, (int) (epochSeconds >>> 32));
    }

    /**
     * Clears the recorded error state: the ERROR bit of s_state, s_error_count and the first/last
     * error records (time, inode, block, function, line, errcode).
     */
    public void clearErrors() {
        setState(state() & ~STATE_ERROR);
        java.util.Arrays.fill(raw, 0x194, 0x200, (byte) 0); // s_error_count .. s_last_error_func
        Le.put8(raw, 0x278, 0);
        Le.put8(raw, 0x279, 0);
        Le.put8(raw, 0x27A, 0); // s_first_error_errcode
        Le.put8(raw, 0x27B, 0); // s_last_error_errcode
    }

    /** Replaces all 1024 bytes (a copy is taken), e.g. to roll back an in-memory change. */
    public void restore(byte[] bytes) {
        if (bytes.length != SIZE) {
            throw new IllegalArgumentException("superblock is " + SIZE + " bytes");
        }
        System.arraycopy(bytes, 0, raw, 0, SIZE);
    }
}
