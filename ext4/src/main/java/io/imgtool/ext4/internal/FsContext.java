package io.imgtool.ext4.internal;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageFormatException;
import io.imgtool.ext4.ChecksumPolicy;
import io.imgtool.ext4.Ext4Problem;
import io.imgtool.ext4.ondisk.Checksums;
import io.imgtool.ext4.ondisk.Features;
import io.imgtool.ext4.ondisk.GroupDescriptor;
import io.imgtool.ext4.ondisk.Inode;
import io.imgtool.ext4.ondisk.Superblock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything the engine shares about one open filesystem: the device (possibly a journal overlay),
 * superblock, geometry, checksums and their policy, the problem list, the metadata block cache, the
 * group descriptors and an LRU of parsed inodes.
 */
public final class FsContext {

    public final BlockDevice dev;
    public final Superblock sb;
    public final Geometry geo;
    public Checksums csums;
    public final ChecksumPolicy policy;
    public final Problems problems;
    public final BlockCache cache;
    private final GroupDescriptor[] groups;
    private final BitSet badGroups = new BitSet();
    private final String[] badGroupReason;
    private final LinkedHashMap<Long, Inode> inodes;
    public final boolean filetype;
    public final boolean hugeFile;
    public final int[] hashSeed;

    public FsContext(BlockDevice dev, Superblock sb, ChecksumPolicy policy, Problems problems, long cacheBytes)
            throws IOException {
        this.dev = dev;
        this.sb = sb;
        this.geo = new Geometry(sb);
        this.csums = Checksums.of(sb);
        this.policy = policy;
        this.problems = problems;
        this.cache = new BlockCache(dev, geo.blockSize, geo.blocksCount, cacheBytes);
        this.filetype = sb.hasIncompat(Features.INCOMPAT_FILETYPE);
        this.hugeFile = sb.hasRoCompat(Features.RO_COMPAT_HUGE_FILE);
        this.hashSeed = sb.hashSeed();
        int inodeCacheSize = 16384;
        this.inodes = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Inode> eldest) {
                return size() > inodeCacheSize;
            }
        };
        if (geo.groupCount > Integer.MAX_VALUE - 8) {
            throw new ImageFormatException("ext4 superblock", "s_blocks_count", Superblock.OFFSET + 4, geo.blocksCount,
                    "too many block groups (" + geo.groupCount + ")");
        }
        this.groups = new GroupDescriptor[(int) geo.groupCount];
        this.badGroupReason = new String[groups.length];
        loadGroups();
    }

    // ---- checksums and problems -------------------------------------------------------------------

    /**
     * A checksum did not match: recorded, and under {@link ChecksumPolicy#STRICT} thrown.
     */
    public void checksumMismatch(String structure, long offset, String detail) throws ImageFormatException {
        problems.add(Ext4Problem.Kind.CHECKSUM, structure, offset, detail);
        if (policy == ChecksumPolicy.STRICT) {
            throw new ImageFormatException(structure, "checksum", offset, null, detail);
        }
    }

    /** Records a structural problem that reading went past. */
    public void corrupt(String structure, long offset, String detail) {
        problems.add(Ext4Problem.Kind.CORRUPT, structure, offset, detail);
    }

    public long blockOffset(long block) {
        return block * geo.blockSize;
    }

    // ---- group descriptors ------------------------------------------------------------------------

    private void loadGroups() throws IOException {
        int ds = geo.descSize;
        long nblocks = geo.descriptorBlockCount();
        for (long i = 0; i < nblocks; i++) {
            long blk = geo.descriptorBlock(i);
            byte[] b = cache.get(blk, "ext4 group descriptor block " + i);
            for (int j = 0; j < geo.descPerBlock; j++) {
                long g = i * geo.descPerBlock + j;
                if (g >= groups.length) {
                    break;
                }
                GroupDescriptor gd = GroupDescriptor.parse(ByteBuffer.wrap(b, j * ds, ds), ds);
                groups[(int) g] = gd;
                String where = "ext4 group descriptor " + g;
                long off = blk * geo.blockSize + (long) j * ds;
                if (!csums.verifyGroupDesc(g, gd)) {
                    String msg = String.format("bg_checksum 0x%04x, computed 0x%04x", gd.checksum(), csums.groupDesc(g, gd));
                    problems.add(Ext4Problem.Kind.CHECKSUM, where, off, msg);
                    if (policy == ChecksumPolicy.STRICT) {
                        markBad(g, where + ": checksum mismatch (" + msg + ")");
                    }
                }
                long itb = geo.inodeTableBlocks();
                if (gd.inodeTable() < geo.firstDataBlock || gd.inodeTable() > geo.blocksCount - itb) {
                    problems.add(Ext4Problem.Kind.CORRUPT, where, off + 8,
                            "bg_inode_table " + gd.inodeTable() + " outside the filesystem");
                    markBad(g, where + ": bg_inode_table = " + gd.inodeTable() + " outside the filesystem");
                }
            }
        }
    }

    private void markBad(long g, String reason) {
        badGroups.set((int) g);
        badGroupReason[(int) g] = reason;
    }

    public int groupCount() {
        return groups.length;
    }

    public GroupDescriptor group(long g) {
        return groups[(int) g];
    }

    // ---- inodes -----------------------------------------------------------------------------------

    /** Throws unless {@code ino} is a valid inode number. */
    public void checkIno(long ino, String what) throws ImageFormatException {
        if (ino < 1 || ino > geo.inodesCount) {
            throw new ImageFormatException(what, "inode", -1, ino, "inode number out of range 1.." + geo.inodesCount);
        }
    }

    /** Byte offset of inode {@code ino} in the device. */
    public long inodeOffset(long ino) {
        GroupDescriptor gd = groups[(int) geo.inodeGroup(ino)];
        return gd.inodeTable() * geo.blockSize + geo.inodeIndex(ino) * geo.inodeSize;
    }

    /** Reads, validates and checksums inode {@code ino}; parsed inodes are cached. */
    public Inode inode(long ino) throws IOException {
        checkIno(ino, "ext4 inode " + ino);
        synchronized (inodes) {
            Inode cached = inodes.get(ino);
            if (cached != null) {
                return cached;
            }
        }
        long g = geo.inodeGroup(ino);
        if (badGroups.get((int) g)) {
            throw new ImageFormatException("ext4 inode " + ino, -1, "in an unusable block group: " + badGroupReason[(int) g]);
        }
        GroupDescriptor gd = groups[(int) g];
        long byteOff = geo.inodeIndex(ino) * geo.inodeSize;
        long block = gd.inodeTable() + byteOff / geo.blockSize;
        int within = (int) (byteOff % geo.blockSize);
        String where = "ext4 inode " + ino;
        // Inode tables are read ahead in 64 KiB runs (never past this group's table).
        long tableEnd = gd.inodeTable() + geo.inodeTableBlocks();
        int ahead = (int) Math.min(Math.max(1, 65536 / geo.blockSize), tableEnd - block);
        if (ahead > 1) {
            cache.readAhead(block, ahead, where);
        }
        byte[] b = cache.get(block, where);
        long off = block * geo.blockSize + within;
        Inode inode = Inode.parse(ByteBuffer.wrap(b, within, geo.inodeSize), geo.inodeSize, where, off);
        if (!csums.verifyInode(ino, inode)) {
            checksumMismatch(where, off, String.format("inode checksum 0x%08x, computed 0x%08x",
                    inode.checksum(), csums.inode(ino, inode)));
        }
        synchronized (inodes) {
            inodes.put(ino, inode);
        }
        return inode;
    }

    /** The per-inode checksum seed. */
    public int inodeSeed(long ino, Inode inode) {
        return csums.inodeSeed(ino, inode.generation());
    }

    /** Forgets a cached inode (writer hook). */
    public void invalidateInode(long ino) {
        synchronized (inodes) {
            inodes.remove(ino);
        }
    }

    /** Publishes a new version of an inode (writer hook); the object must not be modified afterwards. */
    public void putInode(long ino, Inode inode) {
        synchronized (inodes) {
            inodes.put(ino, inode);
        }
    }

    /** Forgets every cached inode (writer rollback). */
    public void invalidateAllInodes() {
        synchronized (inodes) {
            inodes.clear();
        }
    }

    /** Whether group {@code g}'s descriptor failed its checks at open (its inodes are unusable). */
    public boolean isBadGroup(long g) {
        return badGroups.get((int) g);
    }

    /** Why group {@code g} is unusable, or null. */
    public String badGroupReason(long g) {
        return badGroupReason[(int) g];
    }

    /** The descriptor block holding group {@code g}'s descriptor, and the byte offset within it. */
    public long[] groupDescriptorLocation(long g) {
        long i = g / geo.descPerBlock;
        return new long[] {geo.descriptorBlock(i), (g % geo.descPerBlock) * geo.descSize};
    }
}
