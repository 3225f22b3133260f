package io.imgtool.ext4.mkfs;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.ext4.ondisk.Features;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;

/**
 * Makes a new ext4 filesystem on a {@link BlockDevice}, empty or populated from a directory tree of
 * any {@code java.nio.file} filesystem (like {@code mke2fs -d}).
 *
 * <p>Defaults are Debian 12's {@code mke2fs -t ext4}: features has_journal, ext_attr, resize_inode,
 * dir_index, filetype, extent, 64bit, flex_bg (16 groups), sparse_super, large_file, huge_file,
 * dir_nlink, extra_isize, metadata_csum; 256-byte inodes; block size and inode ratio by size as
 * {@code /etc/mke2fs.conf} says (below 512 MiB: 1 KiB blocks, an inode per 4 KiB; else 4 KiB blocks,
 * an inode per 16 KiB; 32 KiB from 4 TiB, 64 KiB from 16 TiB); 5% reserved; mke2fs's journal size.
 *
 * <pre>{@code
 * MkfsResult r = Ext4Formatter.builder().label("root").reproducible(true).sourceDateEpoch(1700000000L)
 *         .build().format(device, Path.of("rootfs"));
 * }</pre>
 */
public final class Ext4Formatter {

    static final int DEFAULT_COMPAT = Features.COMPAT_HAS_JOURNAL | Features.COMPAT_EXT_ATTR
            | Features.COMPAT_RESIZE_INODE | Features.COMPAT_DIR_INDEX;
    static final int DEFAULT_INCOMPAT = Features.INCOMPAT_FILETYPE | Features.INCOMPAT_EXTENTS
            | Features.INCOMPAT_64BIT | Features.INCOMPAT_FLEX_BG;
    static final int DEFAULT_RO = Features.RO_COMPAT_SPARSE_SUPER | Features.RO_COMPAT_LARGE_FILE
            | Features.RO_COMPAT_HUGE_FILE | Features.RO_COMPAT_DIR_NLINK | Features.RO_COMPAT_EXTRA_ISIZE
            | Features.RO_COMPAT_METADATA_CSUM;

    static final int WRITABLE_COMPAT = DEFAULT_COMPAT;
    static final int WRITABLE_INCOMPAT = DEFAULT_INCOMPAT | Features.INCOMPAT_CSUM_SEED | Features.INCOMPAT_LARGEDIR;
    static final int WRITABLE_RO = DEFAULT_RO | Features.RO_COMPAT_GDT_CSUM;

    final long bytes;
    final int blockSize;
    final int inodeSize;
    final long inodeRatio;
    final long inodeCount;
    final int compat;
    final int incompat;
    final int roCompat;
    final long journalBlocks;
    final double reservedPercent;
    final int flexBgSize;
    final String label;
    final UUID uuid;
    final UUID hashSeed;
    final Clock clock;
    final boolean reproducible;
    final Long sourceDateEpoch;
    final XattrSource xattrs;
    final boolean assumeZeroed;
    final int bufferBytes;

    private Ext4Formatter(Builder b) {
        this.bytes = b.bytes;
        this.blockSize = b.blockSize;
        this.inodeSize = b.inodeSize;
        this.inodeRatio = b.inodeRatio;
        this.inodeCount = b.inodeCount;
        this.compat = b.compat;
        this.incompat = b.incompat;
        this.roCompat = b.roCompat;
        this.journalBlocks = b.journalBlocks;
        this.reservedPercent = b.reservedPercent;
        this.flexBgSize = b.flexBgSize;
        this.label = b.label;
        this.uuid = b.uuid;
        this.hashSeed = b.hashSeed;
        this.clock = b.clock;
        this.reproducible = b.reproducible;
        this.sourceDateEpoch = b.sourceDateEpoch;
        this.xattrs = b.xattrs;
        this.assumeZeroed = b.assumeZeroed;
        this.bufferBytes = b.bufferBytes;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Formats the whole device (or {@link Builder#size} bytes of it) as an empty filesystem. */
    public MkfsResult format(BlockDevice device) throws IOException {
        return new FormatRun(this, device).run(null);
    }

    /**
     * Formats the device and copies the tree under {@code sourceRoot} into it: the root directory takes
     * the source directory's mode, owner, times and attributes. Everything that can be checked
     * (geometry, features, names, attribute sizes, space) is checked before the first write.
     */
    public MkfsResult format(BlockDevice device, Path sourceRoot) throws IOException {
        Objects.requireNonNull(sourceRoot, "sourceRoot");
        return new FormatRun(this, device).run(sourceRoot);
    }

    /** Options; see {@link Ext4Formatter} for the defaults. */
    public static final class Builder {
        private long bytes = -1;
        private int blockSize;
        private int inodeSize = 256;
        private long inodeRatio;
        private long inodeCount;
        private int compat = DEFAULT_COMPAT;
        private int incompat = DEFAULT_INCOMPAT;
        private int roCompat = DEFAULT_RO;
        private long journalBlocks = -1;
        private double reservedPercent = 5.0;
        private int flexBgSize = 16;
        private String label = "";
        private UUID uuid;
        private UUID hashSeed;
        private Clock clock = Clock.systemUTC();
        private boolean reproducible;
        private Long sourceDateEpoch;
        private XattrSource xattrs = XattrSource.fromFileSystem();
        private boolean assumeZeroed;
        private int bufferBytes = 8 << 20;

        private Builder() {
        }

        /** Filesystem size in bytes (rounded down to whole blocks); default: the whole device. */
        public Builder size(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("size must be positive: " + bytes);
            }
            this.bytes = bytes;
            return this;
        }

        /** Block size: 1024, 2048, 4096, ... 65536; 0 chooses by size (the default). */
        public Builder blockSize(int bs) {
            if (bs != 0 && (bs < 1024 || bs > 65536 || Integer.bitCount(bs) != 1)) {
                throw new IllegalArgumentException("block size must be a power of two from 1024 to 65536: " + bs);
            }
            this.blockSize = bs;
            return this;
        }

        /** Inode size: 128, 256, 512 ... up to the block size (default 256). */
        public Builder inodeSize(int size) {
            if (size < 128 || size > 65536 || Integer.bitCount(size) != 1) {
                throw new IllegalArgumentException("inode size must be a power of two from 128: " + size);
            }
            this.inodeSize = size;
            return this;
        }

        /** Bytes per inode (mke2fs -i); 0 chooses by size. */
        public Builder inodeRatio(long bytesPerInode) {
            if (bytesPerInode != 0 && (bytesPerInode < 1024 || bytesPerInode > (64L << 20))) {
                throw new IllegalArgumentException("inode ratio must be 1024 .. 64 MiB: " + bytesPerInode);
            }
            this.inodeRatio = bytesPerInode;
            return this;
        }

        /** Number of inodes (mke2fs -N); overrides the ratio. 0: by ratio. */
        public Builder inodeCount(long n) {
            if (n < 0 || n > 0xFFFFFFFFL) {
                throw new IllegalArgumentException("inode count out of range: " + n);
            }
            this.inodeCount = n;
            return this;
        }

        /**
         * Changes the feature set as {@code mke2fs -O} does: a comma-separated list of feature names
         * ({@code dumpe2fs} spelling) to add, {@code ^name} to remove, "none" to clear all; applied to
         * the Debian defaults. E.g. {@code "^metadata_csum,^64bit"}, {@code "^has_journal"}.
         */
        public Builder features(String spec) throws UnsupportedFeatureException {
            for (String raw : spec.split(",")) {
                String f = raw.trim().toLowerCase(Locale.ROOT);
                if (f.isEmpty()) {
                    continue;
                }
                if (f.equals("none")) {
                    compat = 0;
                    incompat = 0;
                    roCompat = 0;
                    continue;
                }
                boolean off = f.startsWith("^");
                String name = off ? f.substring(1) : f;
                if (name.equals("extents")) {
                    name = "extent";
                }
                if (name.equals("gdt_csum")) {
                    name = "uninit_bg";
                }
                int[] bit = lookup(name);
                if (bit == null) {
                    throw new UnsupportedFeatureException("mkfs", name, "unknown feature name");
                }
                int mask = bit[1];
                switch (bit[0]) {
                    case 0 -> compat = off ? compat & ~mask : compat | mask;
                    case 1 -> incompat = off ? incompat & ~mask : incompat | mask;
                    default -> roCompat = off ? roCompat & ~mask : roCompat | mask;
                }
            }
            return this;
        }

        private static int[] lookup(String name) {
            for (int bit = 0; bit < 32; bit++) {
                int m = 1 << bit;
                if (Features.compatNames(m).get(0).equals(name)) {
                    return new int[] {0, m};
                }
                if (Features.incompatNames(m).get(0).equals(name)) {
                    return new int[] {1, m};
                }
                if (Features.roCompatNames(m).get(0).equals(name)) {
                    return new int[] {2, m};
                }
            }
            return null;
        }

        /** Journal size in blocks (at least 1024); 0: no journal; default: mke2fs's size for the filesystem. */
        public Builder journalBlocks(long blocks) {
            if (blocks != 0 && blocks != -1 && (blocks < 1024 || blocks > 10_240_000)) {
                throw new IllegalArgumentException("journal size must be 1024 .. 10,240,000 blocks: " + blocks);
            }
            this.journalBlocks = blocks;
            if (blocks == 0) {
                compat &= ~Features.COMPAT_HAS_JOURNAL;
            } else {
                compat |= Features.COMPAT_HAS_JOURNAL;
            }
            return this;
        }

        /** Percentage of blocks reserved for the superuser (mke2fs -m, default 5). */
        public Builder reservedPercent(double pct) {
            if (!(pct >= 0 && pct <= 50)) {
                throw new IllegalArgumentException("reserved percentage must be 0 .. 50: " + pct);
            }
            this.reservedPercent = pct;
            return this;
        }

        /** Groups per flex group (a power of two, default 16); 1 turns packing off. */
        public Builder flexBgSize(int groups) {
            if (groups < 1 || groups > (1 << 30) || Integer.bitCount(groups) != 1) {
                throw new IllegalArgumentException("flex_bg size must be a power of two: " + groups);
            }
            this.flexBgSize = groups;
            return this;
        }

        /** Volume label (at most 16 bytes of UTF-8). */
        public Builder label(String label) {
            Objects.requireNonNull(label, "label");
            if (label.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 16) {
                throw new IllegalArgumentException("label longer than 16 bytes: " + label);
            }
            this.label = label;
            return this;
        }

        /** Filesystem UUID; default random (or derived from the input in reproducible mode). */
        public Builder uuid(UUID uuid) {
            this.uuid = uuid;
            return this;
        }

        /** Directory hash seed; default random (or derived in reproducible mode). */
        public Builder hashSeed(UUID seed) {
            this.hashSeed = seed;
            return this;
        }

        /** The clock for "now" (creation times); default the system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /**
         * Reproducible output: UUID and hash seed derived from the input unless given, every time that
         * is not a file's mtime taken from {@link #sourceDateEpoch} (else the newest mtime of the tree),
         * atime and ctime set to the mtime, and (with a source date epoch) times clamped to it. The
         * same tree and options then give a byte-identical image.
         */
        public Builder reproducible(boolean on) {
            this.reproducible = on;
            return this;
        }

        /** SOURCE_DATE_EPOCH (seconds): the time of a reproducible build. */
        public Builder sourceDateEpoch(Long seconds) {
            this.sourceDateEpoch = seconds;
            return this;
        }

        /** Where extended attributes come from; default {@link XattrSource#fromFileSystem()}. */
        public Builder xattrs(XattrSource source) {
            this.xattrs = Objects.requireNonNull(source);
            return this;
        }

        /**
         * Whether the device already reads as zeroes (a new image file or qcow2): then the discard of
         * the whole range that otherwise comes first (as mke2fs discards) is skipped.
         */
        public Builder assumeZeroed(boolean zeroed) {
            this.assumeZeroed = zeroed;
            return this;
        }

        /** Bytes gathered per device write (default 8 MiB). */
        public Builder bufferBytes(int bytes) {
            if (bytes < 65536) {
                throw new IllegalArgumentException("buffer below 64 KiB: " + bytes);
            }
            this.bufferBytes = bytes;
            return this;
        }

        public Ext4Formatter build() throws ImageException {
            int badC = compat & ~WRITABLE_COMPAT;
            int badI = incompat & ~WRITABLE_INCOMPAT;
            int badR = roCompat & ~WRITABLE_RO;
            if ((badC | badI | badR) != 0) {
                String names = String.join(",", Features.names(badC, badI, badR));
                throw new UnsupportedFeatureException("mkfs", names, "mkfs cannot create this feature");
            }
            if ((incompat & Features.INCOMPAT_EXTENTS) == 0) {
                throw new UnsupportedFeatureException("mkfs", "^extent",
                        "mkfs writes extent-mapped files only (no indirect block maps)");
            }
            if ((roCompat & Features.RO_COMPAT_METADATA_CSUM) != 0) {
                roCompat &= ~Features.RO_COMPAT_GDT_CSUM; // as mke2fs: metadata_csum supersedes uninit_bg
            } else if ((incompat & Features.INCOMPAT_CSUM_SEED) != 0) {
                throw ImageException.invalidArgument("metadata_csum_seed needs metadata_csum");
            }
            if ((incompat & Features.INCOMPAT_FLEX_BG) == 0) {
                flexBgSize = 1;
            }
            if ((compat & Features.COMPAT_HAS_JOURNAL) != 0 && journalBlocks == 0) {
                journalBlocks = -1;
            }
            return new Ext4Formatter(this);
        }
    }
}
