package io.imgtool.ext4.mkfs;

import io.imgtool.core.ImageException;
import io.imgtool.ext4.ondisk.Features;

/**
 * The geometry of a new filesystem, computed as mke2fs 1.47 computes it (e2fsprogs'
 * {@code ext2fs_initialize}): group count, inodes per group rounded to whole inode-table blocks,
 * descriptor and reserved-GDT blocks, the last-group trim, and which groups carry superblock
 * backups. Placement of bitmaps and inode tables is done by {@link BlockMap} ({@link #placeTables}).
 */
final class Layout {

    final int blockSize;
    final long blocksCount;
    final long firstDataBlock;
    final int blocksPerGroup;
    final int groups;
    final int inodeSize;
    final int inodesPerGroup;
    final int inodeTableBlocks;
    final int descSize;
    final int descBlocks;
    final int reservedGdtBlocks;
    final long reservedBlocks;
    final int logGroupsPerFlex;
    final int compat;
    final int incompat;
    final int roCompat;

    final long[] blockBitmap;
    final long[] inodeBitmap;
    final long[] inodeTable;

    private Layout(int blockSize, long blocksCount, long firstDataBlock, int blocksPerGroup, int groups,
                   int inodeSize, int inodesPerGroup, int inodeTableBlocks, int descSize, int descBlocks,
                   int reservedGdtBlocks, long reservedBlocks, int logGroupsPerFlex, int compat, int incompat,
                   int roCompat) {
        this.blockSize = blockSize;
        this.blocksCount = blocksCount;
        this.firstDataBlock = firstDataBlock;
        this.blocksPerGroup = blocksPerGroup;
        this.groups = groups;
        this.inodeSize = inodeSize;
        this.inodesPerGroup = inodesPerGroup;
        this.inodeTableBlocks = inodeTableBlocks;
        this.descSize = descSize;
        this.descBlocks = descBlocks;
        this.reservedGdtBlocks = reservedGdtBlocks;
        this.reservedBlocks = reservedBlocks;
        this.logGroupsPerFlex = logGroupsPerFlex;
        this.compat = compat;
        this.incompat = incompat;
        this.roCompat = roCompat;
        this.blockBitmap = new long[groups];
        this.inodeBitmap = new long[groups];
        this.inodeTable = new long[groups];
    }

    /**
     * Computes the geometry.
     *
     * @param requestedInodes inodes wanted (before rounding up to whole groups and table blocks)
     * @param reservedPercent percentage of blocks reserved for root
     */
    static Layout compute(int blockSize, long blocks, int inodeSize, long requestedInodes, double reservedPercent,
                          int logGroupsPerFlex, int compat, int incompat, int roCompat) throws ImageException {
        long first = blockSize == 1024 ? 1 : 0;
        int bpg = (int) Math.min(8L * blockSize, 65528L);
        int descSize = (incompat & Features.INCOMPAT_64BIT) != 0 ? 64 : 32;
        int dpb = blockSize / descSize;
        if ((incompat & Features.INCOMPAT_64BIT) == 0 && blocks > 0xFFFFFFFFL) {
            throw ImageException.invalidArgument(blocks + " blocks need the 64bit feature (at most 2^32 - 1 without it)");
        }
        if (blocks >= 1L << 48) {
            throw ImageException.invalidArgument(blocks + " blocks: ext4 addresses at most 2^48");
        }
        long blocksCount = blocks;
        while (true) {
            long groupsL = ceilDiv(blocksCount - first, bpg);
            if (groupsL <= 0) {
                throw ImageException.invalidArgument("filesystem too small: " + blocksCount + " blocks");
            }
            if (groupsL > 0xFFFFFFFFL / 8) {
                throw ImageException.invalidArgument("too many block groups: " + groupsL);
            }
            int groups = (int) groupsL;
            int descBlocks = (int) ceilDiv(groups, dpb);
            long inodes = Math.max(requestedInodes, 12);
            if (inodes > 0xFFFFFFFFL) {
                inodes = 0xFFFFFFFFL;
            }
            long ipgL = ceilDiv(inodes, groups);
            if (ipgL > 8L * blockSize) {
                if (bpg >= 256) {
                    bpg -= 8;
                    blocksCount = blocks;
                    continue;
                }
                throw ImageException.invalidArgument("too many inodes (" + inodes + ") for " + blocks + " blocks");
            }
            int maxIpg = 65536 - blockSize / inodeSize;
            int ipg = (int) Math.min(ipgL, maxIpg);
            int itb;
            while (true) {
                itb = (int) ceilDiv((long) ipg * inodeSize, blockSize);
                int rounded = itb * blockSize / inodeSize;
                if (rounded < 8) {
                    rounded = 8;
                }
                rounded &= ~7;
                itb = (int) ceilDiv((long) rounded * inodeSize, blockSize);
                if ((long) rounded * groups > 0xFFFFFFFFL) {
                    ipg--;
                    continue;
                }
                ipg = rounded;
                break;
            }
            int rsvGdt = 0;
            if ((compat & Features.COMPAT_RESIZE_INODE) != 0) {
                long maxBlocks = 0xFFFFFFFFL;
                if (blocksCount < maxBlocks / 1024) {
                    maxBlocks = blocksCount * 1024;
                }
                long rsvGroups = ceilDiv(maxBlocks - first, bpg);
                long rsv = ceilDiv(rsvGroups, dpb) - descBlocks;
                rsvGdt = (int) Math.max(0, Math.min(rsv, blockSize / 4));
            }
            long overhead = 3L + itb + descBlocks + rsvGdt;
            if (overhead > bpg) {
                throw ImageException.invalidArgument("too many inodes per group (" + ipg + ") for " + bpg
                        + " blocks per group");
            }
            Layout probe = new Layout(blockSize, blocksCount, first, bpg, groups, inodeSize, ipg, itb, descSize,
                    descBlocks, rsvGdt, 0, logGroupsPerFlex, compat, incompat, roCompat);
            long lastOverhead = 2L + itb;
            if (probe.hasSuper(groups - 1)) {
                lastOverhead += 1 + descBlocks + rsvGdt;
            }
            long rem = (blocksCount - first) % bpg;
            if (groups == 1 && rem != 0 && rem < lastOverhead) {
                throw ImageException.invalidArgument("filesystem too small: " + blocksCount + " blocks of "
                        + blockSize + " bytes");
            }
            if (rem != 0 && rem < lastOverhead + 50) {
                blocksCount -= rem;
                continue;
            }
            long reserved = (long) (reservedPercent * blocksCount / 100.0);
            return new Layout(blockSize, blocksCount, first, bpg, groups, inodeSize, ipg, itb, descSize, descBlocks,
                    rsvGdt, reserved, logGroupsPerFlex, compat, incompat, roCompat);
        }
    }

    /** The same geometry without a compat feature (placement already done is kept). */
    Layout withoutFeature(int compatBit) {
        Layout c = new Layout(blockSize, blocksCount, firstDataBlock, blocksPerGroup, groups, inodeSize, inodesPerGroup,
                inodeTableBlocks, descSize, descBlocks, reservedGdtBlocks, reservedBlocks, logGroupsPerFlex,
                compat & ~compatBit, incompat, roCompat);
        System.arraycopy(blockBitmap, 0, c.blockBitmap, 0, groups);
        System.arraycopy(inodeBitmap, 0, c.inodeBitmap, 0, groups);
        System.arraycopy(inodeTable, 0, c.inodeTable, 0, groups);
        return c;
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    long inodesCount() {
        return (long) inodesPerGroup * groups;
    }

    boolean has(int compatBit, int incompatBit, int roBit) {
        return (compat & compatBit) != 0 || (incompat & incompatBit) != 0 || (roCompat & roBit) != 0;
    }

    boolean metadataCsum() {
        return (roCompat & Features.RO_COMPAT_METADATA_CSUM) != 0;
    }

    boolean groupDescCsum() {
        return (roCompat & (Features.RO_COMPAT_METADATA_CSUM | Features.RO_COMPAT_GDT_CSUM)) != 0;
    }

    boolean extents() {
        return (incompat & Features.INCOMPAT_EXTENTS) != 0;
    }

    boolean flexBg() {
        return (incompat & Features.INCOMPAT_FLEX_BG) != 0 && logGroupsPerFlex > 0;
    }

    long groupFirst(int g) {
        return firstDataBlock + (long) g * blocksPerGroup;
    }

    long groupLast(int g) {
        return g == groups - 1 ? blocksCount - 1 : groupFirst(g) + blocksPerGroup - 1;
    }

    int blocksInGroup(int g) {
        return (int) (groupLast(g) - groupFirst(g) + 1);
    }

    int groupOf(long block) {
        return (int) ((block - firstDataBlock) / blocksPerGroup);
    }

    /** Whether group {@code g} holds a superblock copy (sparse_super: 0, 1 and powers of 3, 5, 7). */
    boolean hasSuper(int g) {
        if (g == 0) {
            return true;
        }
        if ((roCompat & Features.RO_COMPAT_SPARSE_SUPER) == 0) {
            return true;
        }
        if (g == 1) {
            return true;
        }
        return isPower(g, 3) || isPower(g, 5) || isPower(g, 7);
    }

    private static boolean isPower(int g, int base) {
        long p = base;
        while (p < g) {
            p *= base;
        }
        return p == g;
    }

    /** Blocks at the start of group {@code g} taken by the superblock copy, descriptors and reserved GDT. */
    int superBlocks(int g) {
        return hasSuper(g) ? 1 + descBlocks + reservedGdtBlocks : 0;
    }

    /** The backup groups in the order e2fsprogs lists them (1, 3, 5, 7, 9, 25, 27, 49, ...). */
    int[] backupGroups() {
        java.util.List<Integer> out = new java.util.ArrayList<>();
        if ((roCompat & Features.RO_COMPAT_SPARSE_SUPER) == 0) {
            for (int g = 1; g < groups; g++) {
                out.add(g);
            }
        } else {
            long three = 1;
            long five = 5;
            long seven = 7;
            while (true) {
                long min = Math.min(three, Math.min(five, seven));
                if (min >= groups) {
                    break;
                }
                out.add((int) min);
                if (min == three) {
                    three *= 3;
                } else if (min == five) {
                    five *= 5;
                } else {
                    seven *= 7;
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
