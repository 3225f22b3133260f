package io.imgtool.ext4.ondisk;

import java.util.ArrayList;
import java.util.List;

/**
 * The superblock's three feature masks, with the names {@code dumpe2fs} and {@code mke2fs -O} use
 * (e2fsprogs {@code lib/e2p/feature.c}), and what the reader supports.
 */
public final class Features {

    private Features() {
    }

    // s_feature_compat
    public static final int COMPAT_DIR_PREALLOC = 0x1;
    public static final int COMPAT_IMAGIC_INODES = 0x2;
    public static final int COMPAT_HAS_JOURNAL = 0x4;
    public static final int COMPAT_EXT_ATTR = 0x8;
    public static final int COMPAT_RESIZE_INODE = 0x10;
    public static final int COMPAT_DIR_INDEX = 0x20;
    public static final int COMPAT_LAZY_BG = 0x40;
    public static final int COMPAT_EXCLUDE_BITMAP = 0x100;
    public static final int COMPAT_SPARSE_SUPER2 = 0x200;
    public static final int COMPAT_FAST_COMMIT = 0x400;
    public static final int COMPAT_STABLE_INODES = 0x800;
    public static final int COMPAT_ORPHAN_FILE = 0x1000;

    // s_feature_ro_compat
    public static final int RO_COMPAT_SPARSE_SUPER = 0x1;
    public static final int RO_COMPAT_LARGE_FILE = 0x2;
    public static final int RO_COMPAT_BTREE_DIR = 0x4;
    public static final int RO_COMPAT_HUGE_FILE = 0x8;
    public static final int RO_COMPAT_GDT_CSUM = 0x10;
    public static final int RO_COMPAT_DIR_NLINK = 0x20;
    public static final int RO_COMPAT_EXTRA_ISIZE = 0x40;
    public static final int RO_COMPAT_HAS_SNAPSHOT = 0x80;
    public static final int RO_COMPAT_QUOTA = 0x100;
    public static final int RO_COMPAT_BIGALLOC = 0x200;
    public static final int RO_COMPAT_METADATA_CSUM = 0x400;
    public static final int RO_COMPAT_REPLICA = 0x800;
    public static final int RO_COMPAT_READONLY = 0x1000;
    public static final int RO_COMPAT_PROJECT = 0x2000;
    public static final int RO_COMPAT_SHARED_BLOCKS = 0x4000;
    public static final int RO_COMPAT_VERITY = 0x8000;
    public static final int RO_COMPAT_ORPHAN_PRESENT = 0x10000;

    // s_feature_incompat
    public static final int INCOMPAT_COMPRESSION = 0x1;
    public static final int INCOMPAT_FILETYPE = 0x2;
    public static final int INCOMPAT_RECOVER = 0x4;
    public static final int INCOMPAT_JOURNAL_DEV = 0x8;
    public static final int INCOMPAT_META_BG = 0x10;
    public static final int INCOMPAT_EXTENTS = 0x40;
    public static final int INCOMPAT_64BIT = 0x80;
    public static final int INCOMPAT_MMP = 0x100;
    public static final int INCOMPAT_FLEX_BG = 0x200;
    public static final int INCOMPAT_EA_INODE = 0x400;
    public static final int INCOMPAT_DIRDATA = 0x1000;
    public static final int INCOMPAT_CSUM_SEED = 0x2000;
    public static final int INCOMPAT_LARGEDIR = 0x4000;
    public static final int INCOMPAT_INLINE_DATA = 0x8000;
    public static final int INCOMPAT_ENCRYPT = 0x10000;
    public static final int INCOMPAT_CASEFOLD = 0x20000;

    /** Incompatible features the reader understands; any other incompatible bit refuses the open. */
    public static final int INCOMPAT_READ_SUPPORTED = INCOMPAT_FILETYPE | INCOMPAT_RECOVER | INCOMPAT_META_BG
            | INCOMPAT_EXTENTS | INCOMPAT_64BIT | INCOMPAT_MMP | INCOMPAT_FLEX_BG | INCOMPAT_EA_INODE
            | INCOMPAT_CSUM_SEED | INCOMPAT_LARGEDIR | INCOMPAT_INLINE_DATA | INCOMPAT_ENCRYPT | INCOMPAT_CASEFOLD;

    private static final String[] COMPAT_NAMES = names(
            COMPAT_DIR_PREALLOC, "dir_prealloc", COMPAT_IMAGIC_INODES, "imagic_inodes",
            COMPAT_HAS_JOURNAL, "has_journal", COMPAT_EXT_ATTR, "ext_attr", COMPAT_RESIZE_INODE, "resize_inode",
            COMPAT_DIR_INDEX, "dir_index", COMPAT_LAZY_BG, "lazy_bg", 0x80, "snapshot_bitmap",
            COMPAT_EXCLUDE_BITMAP, "exclude_bitmap", COMPAT_SPARSE_SUPER2, "sparse_super2",
            COMPAT_FAST_COMMIT, "fast_commit", COMPAT_STABLE_INODES, "stable_inodes",
            COMPAT_ORPHAN_FILE, "orphan_file");

    private static final String[] RO_COMPAT_NAMES = names(
            RO_COMPAT_SPARSE_SUPER, "sparse_super", RO_COMPAT_LARGE_FILE, "large_file",
            RO_COMPAT_BTREE_DIR, "btree_dir", RO_COMPAT_HUGE_FILE, "huge_file", RO_COMPAT_GDT_CSUM, "uninit_bg",
            RO_COMPAT_DIR_NLINK, "dir_nlink", RO_COMPAT_EXTRA_ISIZE, "extra_isize",
            RO_COMPAT_HAS_SNAPSHOT, "snapshot", RO_COMPAT_QUOTA, "quota", RO_COMPAT_BIGALLOC, "bigalloc",
            RO_COMPAT_METADATA_CSUM, "metadata_csum", RO_COMPAT_REPLICA, "replica",
            RO_COMPAT_READONLY, "read-only", RO_COMPAT_PROJECT, "project", RO_COMPAT_SHARED_BLOCKS, "shared_blocks",
            RO_COMPAT_VERITY, "verity", RO_COMPAT_ORPHAN_PRESENT, "orphan_present");

    private static final String[] INCOMPAT_NAMES = names(
            INCOMPAT_COMPRESSION, "compression", INCOMPAT_FILETYPE, "filetype", INCOMPAT_RECOVER, "needs_recovery",
            INCOMPAT_JOURNAL_DEV, "journal_dev", INCOMPAT_META_BG, "meta_bg", INCOMPAT_EXTENTS, "extent",
            INCOMPAT_64BIT, "64bit", INCOMPAT_MMP, "mmp", INCOMPAT_FLEX_BG, "flex_bg", INCOMPAT_EA_INODE, "ea_inode",
            INCOMPAT_DIRDATA, "dirdata", INCOMPAT_CSUM_SEED, "metadata_csum_seed", INCOMPAT_LARGEDIR, "large_dir",
            INCOMPAT_INLINE_DATA, "inline_data", INCOMPAT_ENCRYPT, "encrypt", INCOMPAT_CASEFOLD, "casefold");

    private static String[] names(Object... pairs) {
        String[] out = new String[32];
        for (int i = 0; i < pairs.length; i += 2) {
            out[Integer.numberOfTrailingZeros((Integer) pairs[i])] = (String) pairs[i + 1];
        }
        return out;
    }

    private static List<String> decode(int mask, String[] table, String unknownPrefix) {
        List<String> out = new ArrayList<>();
        for (int bit = 0; bit < 32; bit++) {
            if ((mask & (1 << bit)) != 0) {
                out.add(table[bit] != null ? table[bit] : unknownPrefix + bit);
            }
        }
        return out;
    }

    /** Names of the set bits, in the order {@code dumpe2fs} prints them (compat, incompat, ro_compat). */
    public static List<String> names(int compat, int incompat, int roCompat) {
        List<String> out = new ArrayList<>();
        out.addAll(decode(compat, COMPAT_NAMES, "FEATURE_C"));
        out.addAll(decode(incompat, INCOMPAT_NAMES, "FEATURE_I"));
        out.addAll(decode(roCompat, RO_COMPAT_NAMES, "FEATURE_R"));
        return out;
    }

    public static List<String> incompatNames(int mask) {
        return decode(mask, INCOMPAT_NAMES, "FEATURE_I");
    }

    public static List<String> roCompatNames(int mask) {
        return decode(mask, RO_COMPAT_NAMES, "FEATURE_R");
    }

    public static List<String> compatNames(int mask) {
        return decode(mask, COMPAT_NAMES, "FEATURE_C");
    }
}
