package io.imgtool.ext4.mkfs;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.BlockDevices;
import io.imgtool.core.ImageException;
import io.imgtool.ext4.ondisk.Checksums;
import io.imgtool.ext4.ondisk.DirEntry;
import io.imgtool.ext4.ondisk.Features;
import io.imgtool.ext4.ondisk.Inode;
import io.imgtool.ext4.ondisk.Le;
import io.imgtool.ext4.ondisk.Superblock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One mkfs run: scan, plan and check everything, then write data and metadata. Order of writing:
 * (1) file data, directories, symlink and extent blocks in one ascending stream of large writes,
 * (2) attribute blocks, the resize inode's blocks, the journal superblock, (3) inode tables, bitmaps,
 * group descriptors and superblock copies, the primary superblock last.
 */
final class FormatRun {

    static final long ROOT_INO = 2;
    static final long RESIZE_INO = 7;
    static final long JOURNAL_INO = 8;
    static final long LPF_INO = 11;

    private final Ext4Formatter o;
    private final BlockDevice dev;
    private Layout l;
    private BlockMap map;
    private Checksums sums;
    private BlockStream out;
    private byte[][] itables;
    private int[] usedInodes;
    private int[] dirsInGroup;
    private long fsTime;
    private byte[] uuid;
    private byte[] hashSeed;
    private int[] hashSeedWords;
    private long dataBlocks;
    private long journalBlocks;
    private List<ExtentTree.Run> journalRuns = List.of();
    private long resizeDind;
    private final Map<XattrKey, XattrBlock> xattrBlocks = new HashMap<>();
    private DirectoryBlocks dirs;
    private ByteBuffer readBuf;
    private Prefetcher prefetch;
    private final List<String> skipped = new ArrayList<>();
    private long files;

    private record XattrKey(byte[] content) {
        @Override
        public boolean equals(Object o) {
            return o instanceof XattrKey k && Arrays.equals(k.content, content);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(content);
        }
    }

    private static final class XattrBlock {
        final long block;
        final byte[] data;
        int refs;

        XattrBlock(long block, byte[] data) {
            this.block = block;
            this.data = data;
        }
    }

    FormatRun(Ext4Formatter o, BlockDevice dev) {
        this.o = o;
        this.dev = dev;
    }

    // ---- planning ----------------------------------------------------------------------------------

    private static final long MIB = 1L << 20;

    MkfsResult run(Path source) throws IOException {
        BlockDevices.checkWritable(dev);
        long bytes = o.bytes > 0 ? o.bytes : dev.size();
        if (bytes > dev.size()) {
            throw ImageException.invalidArgument("filesystem size " + bytes + " exceeds the device (" + dev.size()
                    + " bytes)");
        }
        // Size type as Debian 12's mke2fs.conf: floppy, small, default, big, huge.
        int bs = o.blockSize;
        long ratio = o.inodeRatio;
        int typeBs;
        long typeRatio;
        if (bytes < 3 * MIB) {
            typeBs = 1024;
            typeRatio = 8192;
        } else if (bytes < 512 * MIB) {
            typeBs = 1024;
            typeRatio = 4096;
        } else if (bytes < (4L << 40)) {
            typeBs = 4096;
            typeRatio = 16384;
        } else if (bytes < (16L << 40)) {
            typeBs = 4096;
            typeRatio = 32768;
        } else {
            typeBs = 4096;
            typeRatio = 65536;
        }
        if (bs == 0) {
            bs = typeBs;
        }
        if (ratio == 0) {
            ratio = typeRatio;
        }
        ratio = Math.max(ratio, bs);
        if (o.inodeSize > bs) {
            throw ImageException.invalidArgument("inode size " + o.inodeSize + " exceeds the block size " + bs);
        }
        long blocks = bytes / bs;
        long inodesWanted = o.inodeCount > 0 ? o.inodeCount : blocks * bs / ratio;

        int compat = o.compat;
        int incompat = o.incompat;
        int ro = o.roCompat;
        if (blocks > 0xFFFFFFFFL) {
            compat &= ~Features.COMPAT_RESIZE_INODE; // as mke2fs: no resize inode past 2^32 blocks
        }
        if ((compat & Features.COMPAT_RESIZE_INODE) != 0) {
            ro |= Features.RO_COMPAT_LARGE_FILE;
        }
        int logFlex = (incompat & Features.INCOMPAT_FLEX_BG) != 0 ? Integer.numberOfTrailingZeros(o.flexBgSize) : 0;
        l = Layout.compute(bs, blocks, o.inodeSize, inodesWanted, o.reservedPercent, logFlex, compat, incompat, ro);

        // Scan the source (or make an empty root).
        Node root = new Node(null, new byte[0], null);
        SourceTree tree = null;

        if (source != null) {
            tree = SourceTree.scan(source, o.xattrs, root);
            skipped.addAll(tree.skipped);
        } else {
            root.mode = 0x4000 | 0755;
        }
        if (root.parent == null) {
            root.parent = root;
        }

        // Times and identity.
        if (o.reproducible) {
            if (o.sourceDateEpoch != null) {
                fsTime = o.sourceDateEpoch;
            } else {
                fsTime = tree != null && tree.maxMtime != Long.MIN_VALUE ? tree.maxMtime : 0;
            }
        } else {
            fsTime = o.clock.instant().getEpochSecond();
        }
        if (source == null) {
            setTimes(root, fsTime);
        }
        uuid = uuidBytes(o.uuid != null ? o.uuid : o.reproducible ? derived("uuid") : UUID.randomUUID());
        hashSeed = uuidBytes(o.hashSeed != null ? o.hashSeed : o.reproducible ? derived("hash_seed") : UUID.randomUUID());
        hashSeedWords = new int[] {Le.i32(hashSeed, 0), Le.i32(hashSeed, 4), Le.i32(hashSeed, 8), Le.i32(hashSeed, 12)};

        // lost+found: the source's, or a new one.
        Node lpf = null;
        for (Node c : root.children()) {
            if (Arrays.equals(c.name, "lost+found".getBytes(StandardCharsets.US_ASCII))) {
                if (c.linkOf != null || !c.isDir()) {
                    throw ImageException.invalidArgument("the source's lost+found is not a directory: " + c.path);
                }
                lpf = c;
            }
        }
        if (lpf == null) {
            lpf = new Node(null, "lost+found".getBytes(StandardCharsets.US_ASCII), root);
            lpf.mode = 0x4000 | 0700;
            setTimes(lpf, fsTime);
            root.children().add(lpf);
            root.children().sort((a, b) -> Arrays.compareUnsigned(a.name, b.name));
            root.subdirs++;
        }
        if (o.reproducible) {
            normaliseTimes(root);
        }

        // Inode numbers, in depth-first order.
        List<Node> order = preorder(root);
        long next = LPF_INO + 1;
        for (Node n : order) {
            if (n == root) {
                n.ino = ROOT_INO;
            } else if (n == lpf) {
                n.ino = LPF_INO;
            } else {
                n.ino = next++;
            }
        }
        files = order.size() - 1L;
        if (next - 1 > l.inodesCount()) {
            throw ImageException.invalidArgument("the tree needs " + (next - 1) + " inodes; the filesystem has "
                    + l.inodesCount() + " (give more inodes: a smaller inode ratio or an inode count)");
        }
        if ((l.roCompat & Features.RO_COMPAT_LARGE_FILE) == 0) {
            for (Node n : order) {
                if (n.isRegular() && n.size >= (1L << 31)) {
                    throw ImageException.invalidArgument("file of " + n.size + " bytes needs the large_file feature: "
                            + n.path);
                }
            }
        }
        // Attributes must fit (checked now, before anything is written).
        Map<Node, Xattrs.Split> attrSplits = new HashMap<>();
        for (Node n : order) {
            if (!n.xattrs.isEmpty()) {
                if ((l.compat & Features.COMPAT_EXT_ATTR) == 0) {
                    throw ImageException.invalidArgument("extended attributes need the ext_attr feature: " + n.path);
                }
                int area = l.inodeSize >= Inode.GOOD_OLD_SIZE + InodeRecord.EXTRA_ISIZE
                        ? l.inodeSize - Inode.GOOD_OLD_SIZE - InodeRecord.EXTRA_ISIZE : -1;
                attrSplits.put(n, Xattrs.split(Xattrs.convert(n.xattrs, String.valueOf(n.path)), area, l.blockSize,
                        String.valueOf(n.path)));
            }
        }

        // Tables, then what mke2fs allocates before populating.
        map = new BlockMap(l);
        map.placeTables();
        Superblock probe = Superblock.parse(ByteBuffer.wrap(superblockBytes(0, 0, 0, new long[17])));
        sums = Checksums.of(probe);
        dirs = new DirectoryBlocks(l.blockSize, l.metadataCsum(), (l.incompat & Features.INCOMPAT_FILETYPE) != 0);

        journalBlocks = 0;
        if ((l.compat & Features.COMPAT_HAS_JOURNAL) != 0) {
            journalBlocks = o.journalBlocks > 0 ? o.journalBlocks : defaultJournalBlocks(l.blocksCount);
            if (journalBlocks <= 0) {
                // As mke2fs: "Filesystem too small for a journal", and none is made.
                journalBlocks = 0;
                l = l.withoutFeature(Features.COMPAT_HAS_JOURNAL);
            } else if (journalBlocks > l.blocksCount / 2) {
                throw ImageException.invalidArgument("journal of " + journalBlocks + " blocks exceeds half the filesystem");
            }
        }
        checkSpace(order, attrSplits, lpf);

        // Nothing has been written so far. From here on the device changes.
        if (!o.assumeZeroed) {
            dev.discard(0, l.blocksCount * l.blockSize);
        }
        out = new BlockStream(dev, l.blockSize, o.bufferBytes);
        prefetch = new Prefetcher(order.stream().filter(Prefetcher::wants).toList(), 2);
        try {
            readBuf = ByteBuffer.allocateDirect(Math.max(l.blockSize, (1 << 20) / l.blockSize * l.blockSize));
            itables = new byte[l.groups][];
            usedInodes = new int[l.groups];
            dirsInGroup = new int[l.groups];

            map.setCursor(l.firstDataBlock);
            Map<Node, List<long[]>> prealloc = new HashMap<>();
            List<DirectoryBlocks.Entry> rootEntries = entries(root);
            DirectoryBlocks.Built rootBuilt = buildDir(root, rootEntries);
            prealloc.put(root, allocate(rootBuilt.blocks().size()));
            DirectoryBlocks.Built lpfBuilt = buildDir(lpf, entries(lpf));
            prealloc.put(lpf, allocate(lpfBuilt.blocks().size()));
            if ((l.compat & Features.COMPAT_RESIZE_INODE) != 0) {
                long goal = 3L + l.reservedGdtBlocks + l.descBlocks + l.inodeTableBlocks;
                resizeDind = map.findFree(goal, 0, 1);
                if (resizeDind < 0) {
                    throw ImageException.invalidArgument("no room for the resize inode");
                }
                map.mark(resizeDind, 1);
            }
            if (journalBlocks > 0) {
                allocateJournal();
            }

            for (Node n : order) {
                writeNode(n, n == root ? rootBuilt : n == lpf ? lpfBuilt : null, prealloc.get(n), attrSplits.get(n));
            }
            out.flush();
            writeXattrBlocks();
            writeReservedInodes();
            writeResizeInode();
            writeJournal();
        } finally {
            out.close();
            prefetch.close();
        }
        return finish(tree);
    }

    private static void setTimes(Node n, long t) {
        n.atimeSec = t;
        n.mtimeSec = t;
        n.ctimeSec = t;
        n.atimeNs = 0;
        n.mtimeNs = 0;
        n.ctimeNs = 0;
    }

    /** Reproducible times: atime = ctime = mtime, clamped to the source date epoch when one is given. */
    private void normaliseTimes(Node root) {
        for (Node n : preorder(root)) {
            if (o.sourceDateEpoch != null && n.mtimeSec > o.sourceDateEpoch) {
                n.mtimeSec = o.sourceDateEpoch;
                n.mtimeNs = 0;
            }
            n.atimeSec = n.mtimeSec;
            n.atimeNs = n.mtimeNs;
            n.ctimeSec = n.mtimeSec;
            n.ctimeNs = n.mtimeNs;
        }
    }

    private UUID derived(String what) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(("imgtool-mkfs:" + what + ":" + fsTime + ":" + l.blocksCount + ":" + l.blockSize + ":" + o.label)
                    .getBytes(StandardCharsets.UTF_8));
            byte[] h = md.digest();
            h[6] = (byte) ((h[6] & 0x0f) | 0x50);
            h[8] = (byte) ((h[8] & 0x3f) | 0x80);
            ByteBuffer b = ByteBuffer.wrap(h);
            return new UUID(b.getLong(), b.getLong());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] uuidBytes(UUID u) {
        ByteBuffer b = ByteBuffer.allocate(16);
        b.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        return b.array();
    }

    /** mke2fs's default journal size in blocks (ext2fs_default_journal_size). */
    static long defaultJournalBlocks(long blocks) {
        if (blocks < 2048) {
            return -1;
        }
        if (blocks < 32768) {
            return 1024;
        }
        if (blocks < 256 * 1024) {
            return 4096;
        }
        if (blocks < 512 * 1024) {
            return 8192;
        }
        if (blocks < 4096 * 1024) {
            return 16384;
        }
        if (blocks < 8192 * 1024) {
            return 32768;
        }
        if (blocks < 16384 * 1024) {
            return 65536;
        }
        if (blocks < 32768 * 1024) {
            return 131072;
        }
        return 262144;
    }

    /** lost+found's size in blocks as mke2fs makes it: 16 KiB and at least two blocks, at most 12. */
    static int lostFoundBlocks(int bs) {
        int size = 0;
        int n = 1;
        for (int i = 1; i < 12; i++) {
            size += bs;
            if (size >= 16384 && size >= 2 * bs) {
                break;
            }
            n++;
        }
        return n;
    }

    private static List<Node> preorder(Node root) {
        List<Node> out = new ArrayList<>();
        Deque<Node> stack = new ArrayDeque<>();
        stack.push(root);
        while (!stack.isEmpty()) {
            Node n = stack.pop();
            out.add(n);
            if (n.isDir() && n.children != null) {
                for (int i = n.children.size() - 1; i >= 0; i--) {
                    Node c = n.children.get(i);
                    if (c.linkOf == null) {
                        stack.push(c);
                    }
                }
            }
        }
        return out;
    }

    private void checkSpace(List<Node> order, Map<Node, Xattrs.Split> attrs, Node lpf) throws IOException {
        long need = worstCase(order, attrs, lpf, false);
        long free = map.freeBlocks() - journalBlocks - (hasResizeInode() ? 1 : 0)
                - ExtentTree.nodeBlocks(journalBlocks / 32768 + 1 + journalBlocks / Math.max(1, l.blocksPerGroup / 2), l.blockSize);
        if (need > free) {
            need = worstCase(order, attrs, lpf, true); // read the files: all-zero blocks become holes
        }
        if (need > free) {
            throw ImageException.invalidArgument("the tree needs about " + need + " blocks of " + l.blockSize
                    + " bytes; the filesystem has " + free + " free (make it larger)");
        }
    }

    private long worstCase(List<Node> order, Map<Node, Xattrs.Split> attrs, Node lpf, boolean exact) throws IOException {
        long need = 0;
        for (Node n : order) {
            long nb = 0;
            if (n.isRegular()) {
                nb = exact ? nonZeroBlocks(n) : Layout.ceilDiv(n.size, l.blockSize);
            } else if (n.isSymlink() && n.linkTarget.length >= 60) {
                nb = Layout.ceilDiv(n.linkTarget.length, l.blockSize);
            } else if (n.isDir()) {
                nb = Math.max(n == lpf ? lostFoundBlocks(l.blockSize) : 1,
                        dirs.linearBlocks(entriesNoIno(n))) + 2 + dirs.linearBlocks(entriesNoIno(n)) / 100;
            }
            long extents = nb / 32768 + 1 + nb / Math.max(1, l.blocksPerGroup / 2) + 1;
            need += nb + ExtentTree.nodeBlocks(extents, l.blockSize);
            Xattrs.Split s = attrs.get(n);
            if (s != null && !s.inBlock().isEmpty()) {
                need++;
            }
        }
        return need;
    }

    private long nonZeroBlocks(Node n) throws IOException {
        long count = 0;
        ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
        try (SeekableByteChannel ch = Files.newByteChannel(n.path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            while (true) {
                b.clear();
                int got = readFully(ch, b);
                if (got <= 0) {
                    break;
                }
                for (int off = 0; off < got; off += l.blockSize) {
                    if (!BlockDevices.isZero(b.slice(off, Math.min(l.blockSize, got - off)))) {
                        count++;
                    }
                }
            }
        }
        return count;
    }

    private static int readFully(SeekableByteChannel ch, ByteBuffer b) throws IOException {
        int total = 0;
        while (b.hasRemaining()) {
            int r = ch.read(b);
            if (r < 0) {
                break;
            }
            total += r;
        }
        return total;
    }

    // ---- directories -------------------------------------------------------------------------------

    private static int fileType(int mode) {
        return switch (mode & 0xF000) {
            case 0x8000 -> DirEntry.FT_REG_FILE;
            case 0x4000 -> DirEntry.FT_DIR;
            case 0x2000 -> DirEntry.FT_CHRDEV;
            case 0x6000 -> DirEntry.FT_BLKDEV;
            case 0x1000 -> DirEntry.FT_FIFO;
            case 0xC000 -> DirEntry.FT_SOCK;
            case 0xA000 -> DirEntry.FT_SYMLINK;
            default -> DirEntry.FT_UNKNOWN;
        };
    }

    private static List<DirectoryBlocks.Entry> entries(Node dir) {
        List<DirectoryBlocks.Entry> es = new ArrayList<>();
        if (dir.children != null) {
            for (Node c : dir.children) {
                Node t = c.target();
                es.add(new DirectoryBlocks.Entry(c.name, t.ino, fileType(t.mode)));
            }
        }
        return es;
    }

    private static List<DirectoryBlocks.Entry> entriesNoIno(Node dir) {
        return entries(dir);
    }

    private DirectoryBlocks.Built buildDir(Node dir, List<DirectoryBlocks.Entry> es) {
        boolean isLpf = dir.ino == LPF_INO;
        int min = isLpf ? lostFoundBlocks(l.blockSize) : 1;
        int seed = sums.inodeSeed(dir.ino, 0);
        boolean dirIndex = (l.compat & Features.COMPAT_DIR_INDEX) != 0 && !isLpf;
        int maxLeaves = Integer.MAX_VALUE;
        return dirs.build(dir.ino, dir.parent.ino, es, min, dirIndex, 1, hashSeedWords, sums, seed, maxLeaves);
    }

    // ---- allocation --------------------------------------------------------------------------------

    private List<long[]> allocate(long n) throws ImageException {
        List<long[]> runs = new ArrayList<>();
        long left = n;
        while (left > 0) {
            long[] r = map.allocRun(left);
            if (r == null) {
                throw new ImageException(ImageException.Kind.INVALID_ARGUMENT, "filesystem full while copying the tree");
            }
            runs.add(r);
            left -= r[1];
        }
        return runs;
    }

    /** The journal: contiguous from the first block of the group mke2fs picks (the middle of the filesystem). */
    private void allocateJournal() throws ImageException {
        long goal = l.groupFirst(midpointGroup());
        long saved = map.cursor();
        map.setCursor(goal);
        List<ExtentTree.Run> runs = new ArrayList<>();
        long logical = 0;
        while (logical < journalBlocks) {
            long[] r = map.allocRun(journalBlocks - logical);
            if (r == null) {
                map.setCursor(l.firstDataBlock);
                r = map.allocRun(journalBlocks - logical);
                if (r == null) {
                    throw ImageException.invalidArgument("no room for a journal of " + journalBlocks + " blocks");
                }
            }
            ExtentTree.append(runs, logical, r[0], r[1]);
            logical += r[1];
        }
        journalRuns = runs;
        map.setCursor(saved);
    }

    private int midpointGroup() {
        int group = l.groupOf((l.blocksCount - l.firstDataBlock) / 2);
        int flex = 1 << l.logGroupsPerFlex;
        int start;
        if (l.logGroupsPerFlex > 0 && group > flex) {
            group &= ~(flex - 1);
            while (group < l.groups && freeIn(group) == 0) {
                group++;
            }
            if (group == l.groups) {
                group = 0;
            }
            start = group;
        } else {
            start = group > 0 ? group - 1 : group;
        }
        int end = group + 1 < l.groups ? group + 1 : group;
        group = start;
        for (int i = start + 1; i <= end; i++) {
            if (freeIn(i) > freeIn(group)) {
                group = i;
            }
        }
        return group;
    }

    private long freeIn(int g) {
        return l.blocksInGroup(g) - map.usedInGroup(g);
    }

    // ---- inodes ------------------------------------------------------------------------------------

    private void putInode(long ino, byte[] raw) {
        int g = (int) ((ino - 1) / l.inodesPerGroup);
        int idx = (int) ((ino - 1) % l.inodesPerGroup);
        if (itables[g] == null) {
            itables[g] = new byte[l.inodesPerGroup * l.inodeSize];
        }
        byte[] r = raw;
        if (l.metadataCsum()) {
            Inode in = Inode.of(raw);
            sums.setInode(ino, in);
            r = in.toBytes();
        }
        System.arraycopy(r, 0, itables[g], idx * l.inodeSize, l.inodeSize);
        usedInodes[g] = Math.max(usedInodes[g], idx + 1);
    }

    private InodeRecord baseInode(Node n) {
        InodeRecord r = new InodeRecord(l.inodeSize);
        r.mode(n.mode).owner(n.uid, n.gid)
                .atime(n.atimeSec, n.atimeNs).mtime(n.mtimeSec, n.mtimeNs).ctime(n.ctimeSec, n.ctimeNs)
                .crtime(fsTime, 0);
        return r;
    }

    private void writeNode(Node n, DirectoryBlocks.Built built, List<long[]> pre, Xattrs.Split attrs) throws IOException {
        InodeRecord r = baseInode(n);
        long sectors = 0;
        int flags = 0;
        // Attribute block first (its place only; its content is written at the end, shared blocks counted).
        if (attrs != null) {
            if (!attrs.inInode().isEmpty()) {
                Xattrs.writeBody(r.raw, r.xattrArea(), attrs.inInode());
            }
            if (!attrs.inBlock().isEmpty()) {
                byte[] content = Xattrs.block(attrs.inBlock(), l.blockSize);
                XattrKey key = new XattrKey(content);
                XattrBlock xb = xattrBlocks.get(key);
                if (xb == null) {
                    long b = map.allocOne();
                    if (b < 0) {
                        throw new ImageException(ImageException.Kind.INVALID_ARGUMENT, "filesystem full");
                    }
                    xb = new XattrBlock(b, content);
                    xattrBlocks.put(key, xb);
                    dataBlocks++;
                }
                xb.refs++;
                r.fileAcl(xb.block);
                sectors += l.blockSize / 512;
            }
        }
        int seed = sums.inodeSeed(n.ino, 0);
        switch (n.mode & 0xF000) {
            case 0x4000 -> {
                DirectoryBlocks.Built b = built != null ? built : buildDir(n, entries(n));
                List<long[]> runs = pre != null ? pre : allocate(b.blocks().size());
                List<ExtentTree.Run> ext = new ArrayList<>();
                int i = 0;
                for (long[] run : runs) {
                    for (int k = 0; k < run[1]; k++) {
                        out.put(run[0] + k, b.blocks().get(i + k), 0);
                    }
                    ExtentTree.append(ext, i, run[0], run[1]);
                    i += (int) run[1];
                }
                sectors += (long) b.blocks().size() * (l.blockSize / 512);
                sectors += tree(r, ext, seed);
                flags |= Inode.FL_EXTENTS | (b.indexed() ? Inode.FL_INDEX : 0);
                r.size((long) b.blocks().size() * l.blockSize);
                int links = 2 + n.subdirs;
                if (links >= 65000 && (l.roCompat & Features.RO_COMPAT_DIR_NLINK) != 0) {
                    links = 1;
                } else if (links >= 65000) {
                    throw ImageException.invalidArgument(n.path + " has " + n.subdirs
                            + " subdirectories: more than 64998 need the dir_nlink feature");
                }
                r.links(links);
                dataBlocks += b.blocks().size();
                dirsInGroup[(int) ((n.ino - 1) / l.inodesPerGroup)]++;
            }
            case 0x8000 -> {
                List<ExtentTree.Run> ext = new ArrayList<>();
                long size = copyData(n, ext);
                long blocks = 0;
                for (ExtentTree.Run x : ext) {
                    blocks += x.length();
                }
                sectors += blocks * (l.blockSize / 512);
                sectors += tree(r, ext, seed);
                flags |= Inode.FL_EXTENTS;
                r.size(size).links(n.names);
                dataBlocks += blocks;
            }
            case 0xA000 -> {
                byte[] t = n.linkTarget;
                if (t.length < Inode.BLOCK_SIZE) {
                    r.blockArea(t);
                } else {
                    int nb = (int) Layout.ceilDiv(t.length, l.blockSize);
                    List<long[]> runs = allocate(nb);
                    ByteBuffer src = ByteBuffer.wrap(t);
                    List<ExtentTree.Run> ext = new ArrayList<>();
                    int i = 0;
                    for (long[] run : runs) {
                        out.put(run[0], src, (int) run[1]);
                        ExtentTree.append(ext, i, run[0], run[1]);
                        i += (int) run[1];
                    }
                    sectors += (long) nb * (l.blockSize / 512);
                    sectors += tree(r, ext, seed);
                    flags |= Inode.FL_EXTENTS;
                    dataBlocks += nb;
                }
                r.size(t.length).links(n.names);
            }
            case 0x2000, 0x6000 -> r.device(n.rdevMajor, n.rdevMinor).links(n.names);
            default -> r.links(n.names);
        }
        r.flags(flags).sectors(sectors);
        putInode(n.ino, r.raw);
    }

    /** Writes the extent tree of a file: root into the inode, node blocks into the stream; returns their sectors. */
    private long tree(InodeRecord r, List<ExtentTree.Run> ext, int seed) throws IOException {
        if (ext.isEmpty()) {
            r.blockArea(ExtentTree.empty());
            return 0;
        }
        ExtentTree.Built t = ExtentTree.build(ext, l.blockSize, sums, seed, () -> {
            long b = map.allocOne();
            if (b < 0) {
                throw new ImageException(ImageException.Kind.INVALID_ARGUMENT, "filesystem full (extent tree)");
            }
            return b;
        });
        r.blockArea(t.iblock());
        for (ExtentTree.NodeBlock nb : t.nodes()) {
            out.put(nb.block(), nb.data(), 0);
        }
        dataBlocks += t.nodes().size();
        return (long) t.nodes().size() * (l.blockSize / 512);
    }

    /** Streams a regular file into the filesystem; all-zero blocks become holes. Returns the bytes read. */
    private long copyData(Node n, List<ExtentTree.Run> ext) throws IOException {
        int bs = l.blockSize;
        long logical = 0;
        long size = 0;
        if (n.size == 0) {
            return 0;
        }
        if (Prefetcher.wants(n)) {
            ByteBuffer data = prefetch.get(n);
            int got = data.remaining();
            place(n, data, got, 0, ext);
            return got;
        }
        try (SeekableByteChannel ch = Files.newByteChannel(n.path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            while (true) {
                readBuf.clear();
                int got = readFully(ch, readBuf);
                if (got <= 0) {
                    break;
                }
                size += got;
                int nb = (got + bs - 1) / bs;
                place(n, readBuf, got, logical, ext);
                logical += nb;
                if (got < readBuf.capacity()) {
                    break;
                }
            }
        }
        return size;
    }

    /** Queues the {@code got} bytes of {@code buf} (from index 0) as blocks from {@code logical}; zero blocks become holes. */
    private void place(Node n, ByteBuffer buf, int got, long logical, List<ExtentTree.Run> ext) throws IOException {
        int bs = l.blockSize;
        int nb = (got + bs - 1) / bs;
        int i = 0;
        while (i < nb) {
            if (zeroBlock(buf, i, got)) {
                i++;
                continue;
            }
            int j = i + 1;
            while (j < nb && !zeroBlock(buf, j, got)) {
                j++;
            }
            int k = i;
            while (k < j) {
                long[] run = map.allocRun(j - k);
                if (run == null) {
                    throw new ImageException(ImageException.Kind.INVALID_ARGUMENT, "filesystem full while copying " + n.path);
                }
                int end = Math.min(got, (int) ((k + run[1]) * bs));
                ByteBuffer part = buf.duplicate();
                part.limit(end).position(k * bs);
                out.put(run[0], part, (int) run[1]);
                ExtentTree.append(ext, logical + k, run[0], run[1]);
                k += (int) run[1];
            }
            i = j;
        }
    }

    private boolean zeroBlock(ByteBuffer buf, int i, int got) {
        int off = i * l.blockSize;
        int len = Math.min(l.blockSize, got - off);
        return BlockDevices.isZero(buf.slice(off, len));
    }

    private void writeXattrBlocks() throws IOException {
        for (XattrBlock xb : xattrBlocks.values()) {
            Xattrs.setRefcount(xb.data, xb.refs);
            sums.setXattrBlock(xb.block, xb.data);
            dev.write(ByteBuffer.wrap(xb.data), xb.block * l.blockSize);
            out.bytesWritten += l.blockSize;
        }
    }

    /** Inodes 1..10 that hold nothing: zero with a checksum; inode 1 (bad blocks) carries the times. */
    private void writeReservedInodes() {
        for (long ino = 1; ino < LPF_INO; ino++) {
            if (ino == ROOT_INO || (ino == RESIZE_INO && hasResizeInode()) || (ino == JOURNAL_INO && journalBlocks > 0)) {
                continue;
            }
            byte[] raw = new byte[l.inodeSize];
            if (ino == 1) {
                Le.put32(raw, 0x8, fsTime);
                Le.put32(raw, 0xC, fsTime);
                Le.put32(raw, 0x10, fsTime);
            }
            putInode(ino, raw);
        }
    }

    /** The resize inode: a double-indirect block listing the reserved GDT blocks, each listing its backups. */
    private boolean hasResizeInode() {
        return (l.compat & Features.COMPAT_RESIZE_INODE) != 0;
    }

    private void writeResizeInode() throws IOException {
        if (!hasResizeInode()) {
            return;
        }
        int bs = l.blockSize;
        int apb = bs / 4;
        int[] backups = l.backupGroups();
        byte[] dind = new byte[bs];
        for (int i = 0; i < l.reservedGdtBlocks; i++) {
            long gdtBlk = l.firstDataBlock + 1 + l.descBlocks + i;
            int slot = (l.descBlocks + i) % apb;
            Le.put32(dind, slot * 4, gdtBlk);
            byte[] ind = new byte[bs];
            for (int k = 0; k < backups.length; k++) {
                Le.put32(ind, k * 4, gdtBlk + (long) backups[k] * l.blocksPerGroup);
            }
            dev.write(ByteBuffer.wrap(ind), gdtBlk * bs);
            out.bytesWritten += bs;
        }
        dev.write(ByteBuffer.wrap(dind), resizeDind * bs);
        out.bytesWritten += bs;
        InodeRecord r = new InodeRecord(l.inodeSize);
        long size = ((long) apb * apb + apb + 12) * bs;
        long sectors = (1L + l.reservedGdtBlocks + (long) l.reservedGdtBlocks * backups.length) * (bs / 512);
        r.mode(0x8000 | 0600).links(1).size(size).sectors(sectors).times(fsTime);
        Le.put32(r.raw, Inode.BLOCK_OFFSET + 13 * 4, resizeDind);
        putInode(RESIZE_INO, r.raw);
    }

    private byte[] journalInodeBlockArea;

    private void writeJournal() throws IOException {
        if (journalBlocks == 0) {
            return;
        }
        int bs = l.blockSize;
        byte[] jsb = new byte[bs];
        Le.putBe32(jsb, 0x0, 0xC03B3998L);
        Le.putBe32(jsb, 0x4, 4);
        Le.putBe32(jsb, 0xC, bs);
        Le.putBe32(jsb, 0x10, journalBlocks);
        Le.putBe32(jsb, 0x14, 1);
        Le.putBe32(jsb, 0x18, 1);
        System.arraycopy(uuid, 0, jsb, 0x30, 16);
        Le.putBe32(jsb, 0x40, 1);
        if (l.metadataCsum()) {
            Le.putBe32(jsb, 0x28, io.imgtool.ext4.ondisk.JournalSuperblock.INCOMPAT_CSUM_V3);
            jsb[0x50] = 4; // JBD2_CRC32C_CHKSUM
            io.imgtool.ext4.ondisk.JournalSuperblock js = io.imgtool.ext4.ondisk.JournalSuperblock.parse(jsb, "journal", 0);
            js.setChecksum(io.imgtool.ext4.ondisk.JournalChecksums.superblock(js));
            js.writeTo(jsb);
        }
        long first = journalRuns.get(0).physical();
        dev.write(ByteBuffer.wrap(jsb), first * bs);
        out.bytesWritten += bs;
        InodeRecord r = new InodeRecord(l.inodeSize);
        r.mode(0x8000 | 0600).links(1).size(journalBlocks * bs).times(fsTime);
        long sectors = journalBlocks * (bs / 512);
        ExtentTree.Built t = ExtentTree.build(journalRuns, bs, sums, sums.inodeSeed(JOURNAL_INO, 0), () -> {
            long b = map.allocOne();
            if (b < 0) {
                throw new ImageException(ImageException.Kind.INVALID_ARGUMENT, "filesystem full (journal)");
            }
            return b;
        });
        for (ExtentTree.NodeBlock nb : t.nodes()) {
            dev.write(ByteBuffer.wrap(nb.data()), nb.block() * bs);
            sectors += bs / 512;
        }
        r.blockArea(t.iblock()).flags(Inode.FL_EXTENTS).sectors(sectors);
        journalInodeBlockArea = t.iblock();
        putInode(JOURNAL_INO, r.raw);
    }

    // ---- metadata ----------------------------------------------------------------------------------

    private MkfsResult finish(SourceTree tree) throws IOException {
        int bs = l.blockSize;
        boolean csumGd = l.groupDescCsum();
        byte[] gdt = new byte[l.descBlocks * bs];
        long freeBlocks = 0;
        long freeInodes = 0;
        BlockStream meta = new BlockStream(dev, bs, o.bufferBytes);
        try {
            // Inode tables (the used part of each group's table).
            for (int g = 0; g < l.groups; g++) {
                if (itables[g] != null) {
                    int blocks = (int) Layout.ceilDiv((long) usedInodes[g] * l.inodeSize, bs);
                    meta.put(l.inodeTable[g], ByteBuffer.wrap(itables[g], 0, blocks * bs), blocks);
                }
            }
            meta.flush();
            for (int g = 0; g < l.groups; g++) {
                int used = usedInodes[g];
                boolean inodeUninit = csumGd && used == 0;
                boolean blockUninit = csumGd && g != l.groups - 1 && !map.groupTouched(g);
                long freeB = l.blocksInGroup(g) - map.usedInGroup(g);
                long freeI = l.inodesPerGroup - countInodes(g);
                freeBlocks += freeB;
                freeInodes += freeI;
                byte[] d = new byte[l.descSize];
                put64(d, 0x0, 0x20, l.blockBitmap[g]);
                put64(d, 0x4, 0x24, l.inodeBitmap[g]);
                put64(d, 0x8, 0x28, l.inodeTable[g]);
                put32(d, 0xC, 0x2C, freeB);
                put32(d, 0xE, 0x2E, freeI);
                put32(d, 0x10, 0x30, dirsInGroup[g]);
                int flags = 0;
                if (csumGd) {
                    flags |= 0x4; // ITABLE_ZEROED: the device reads as zero where nothing was written
                    if (inodeUninit) {
                        flags |= 0x1;
                    }
                    if (blockUninit) {
                        flags |= 0x2;
                    }
                    put32(d, 0x1C, 0x32, l.inodesPerGroup - used);
                }
                Le.put16(d, 0x12, flags);
                if (!blockUninit) {
                    byte[] bb = map.bitmapBlock(g);
                    if (l.metadataCsum()) {
                        put32(d, 0x18, 0x38, sums.bitmap(bb, l.blocksPerGroup / 8));
                    }
                    meta.put(l.blockBitmap[g], bb, 0);
                }
                if (!inodeUninit) {
                    byte[] ib = inodeBitmap(g);
                    if (l.metadataCsum()) {
                        put32(d, 0x1A, 0x3A, sums.bitmap(ib, l.inodesPerGroup / 8));
                    }
                    meta.put(l.inodeBitmap[g], ib, 0);
                }
                io.imgtool.ext4.ondisk.GroupDescriptor gd = io.imgtool.ext4.ondisk.GroupDescriptor.parse(ByteBuffer.wrap(d), d.length);
                sums.setGroupDesc(g, gd);
                gd.writeTo(ByteBuffer.wrap(gdt, g * l.descSize, l.descSize).slice());
            }
            meta.flush();
        } finally {
            meta.close();
        }
        long[] jnl = new long[17];
        if (journalBlocks > 0) {
            for (int i = 0; i < 15; i++) {
                jnl[i] = Le.u32(journalInodeBlockArea, i * 4);
            }
            jnl[15] = (journalBlocks * bs) >>> 32;
            jnl[16] = (journalBlocks * bs) & 0xFFFFFFFFL;
        }
        long written = out.bytesWritten + meta.bytesWritten + (long) l.groups * 0;
        // Backups first, the primary superblock last.
        for (int g : l.backupGroups()) {
            long at = l.groupFirst(g);
            dev.write(ByteBuffer.wrap(gdt), (at + 1) * bs);
            byte[] sb = superblockBytes(g, freeBlocks, freeInodes, jnl);
            dev.write(ByteBuffer.wrap(sb), at * bs);
            written += gdt.length + sb.length;
        }
        dev.write(ByteBuffer.wrap(gdt), (l.firstDataBlock + 1) * bs);
        written += gdt.length + 1024;
        kbytesWritten = written / 1024;
        byte[] sb = superblockBytes(0, freeBlocks, freeInodes, jnl);
        dev.write(ByteBuffer.wrap(sb), Superblock.OFFSET);
        dev.flush();
        long inodesUsed = l.inodesCount() - freeInodes;
        List<String> features = Features.names(l.compat, l.incompat, l.roCompat);
        return new MkfsResult(bs, l.blocksCount, l.inodesCount(), l.groups, l.blocksPerGroup, l.inodesPerGroup,
                l.inodeSize, l.reservedBlocks, l.reservedGdtBlocks, journalBlocks,
                l.flexBg() ? 1 << l.logGroupsPerFlex : 0, Le.uuid(uuid, 0), Le.uuid(hashSeed, 0), o.label, features,
                freeBlocks, freeInodes, inodesUsed, files, dataBlocks, written, fsTime, skipped);
    }

    private long kbytesWritten;

    private int countInodes(int g) {
        byte[] ib = inodeBitmap(g);
        int c = 0;
        for (int i = 0; i < l.inodesPerGroup; i++) {
            if ((ib[i >>> 3] & (1 << (i & 7))) != 0) {
                c++;
            }
        }
        return c;
    }

    /** Inodes in use: every inode whose record was written (reserved ones included). */
    private byte[] inodeBitmap(int g) {
        byte[] b = new byte[l.blockSize];
        Arrays.fill(b, l.inodesPerGroup / 8, b.length, (byte) 0xFF);
        byte[] t = itables[g];
        if (t != null) {
            for (int i = 0; i < usedInodes[g]; i++) {
                long ino = (long) g * l.inodesPerGroup + i + 1;
                if (ino < LPF_INO || !isZeroInode(t, i)) {
                    b[i >>> 3] |= (byte) (1 << (i & 7));
                }
            }
        }
        return b;
    }

    private boolean isZeroInode(byte[] t, int i) {
        int off = i * l.inodeSize;
        return Le.u16(t, off) == 0 && Le.u16(t, off + 0x1A) == 0;
    }

    private void put64(byte[] d, int lo, int hi, long v) {
        Le.put32(d, lo, v & 0xFFFFFFFFL);
        if (d.length >= 64) {
            Le.put32(d, hi, v >>> 32);
        }
    }

    private void put32(byte[] d, int lo, int hi, long v) {
        Le.put16(d, lo, (int) (v & 0xFFFF));
        if (d.length >= 64) {
            Le.put16(d, hi, (int) (v >>> 16));
        }
    }

    private byte[] superblockBytes(int group, long freeBlocks, long freeInodes, long[] jnl) {
        byte[] s = new byte[Superblock.SIZE];
        Le.put32(s, 0x0, l.inodesCount());
        Le.put32(s, 0x4, l.blocksCount & 0xFFFFFFFFL);
        Le.put32(s, 0x8, l.reservedBlocks & 0xFFFFFFFFL);
        Le.put32(s, 0xC, freeBlocks & 0xFFFFFFFFL);
        Le.put32(s, 0x10, freeInodes);
        Le.put32(s, 0x14, l.firstDataBlock);
        int log = Integer.numberOfTrailingZeros(l.blockSize) - 10;
        Le.put32(s, 0x18, log);
        Le.put32(s, 0x1C, log);
        Le.put32(s, 0x20, l.blocksPerGroup);
        Le.put32(s, 0x24, l.blocksPerGroup);
        Le.put32(s, 0x28, l.inodesPerGroup);
        Le.put32(s, 0x30, fsTime & 0xFFFFFFFFL);
        Le.put16(s, 0x36, 0xFFFF);
        Le.put16(s, 0x38, Superblock.MAGIC);
        Le.put16(s, 0x3A, Superblock.STATE_VALID);
        Le.put16(s, 0x3C, 1);
        Le.put32(s, 0x40, fsTime & 0xFFFFFFFFL);
        Le.put32(s, 0x4C, 1);
        Le.put32(s, 0x54, LPF_INO);
        Le.put16(s, 0x58, l.inodeSize);
        Le.put16(s, 0x5A, group);
        Le.put32(s, 0x5C, l.compat & 0xFFFFFFFFL);
        Le.put32(s, 0x60, l.incompat & 0xFFFFFFFFL);
        Le.put32(s, 0x64, l.roCompat & 0xFFFFFFFFL);
        System.arraycopy(uuid, 0, s, 0x68, 16);
        byte[] lab = o.label.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(lab, 0, s, 0x78, Math.min(16, lab.length));
        Le.put16(s, 0xCE, l.reservedGdtBlocks);
        if (journalBlocks > 0) {
            Le.put32(s, 0xE0, JOURNAL_INO);
            Le.put8(s, 0xFD, 1);
        }
        System.arraycopy(hashSeed, 0, s, 0xEC, 16);
        Le.put8(s, 0xFC, 1); // half_md4
        if (l.descSize == 64) {
            Le.put16(s, 0xFE, 64);
        }
        Le.put32(s, 0x100, 0x0C); // user_xattr, acl
        Le.put32(s, 0x108, fsTime & 0xFFFFFFFFL);
        for (int i = 0; i < 17; i++) {
            Le.put32(s, 0x10C + 4 * i, jnl[i]);
        }
        if (l.descSize == 64) {
            Le.put32(s, 0x150, l.blocksCount >>> 32);
            Le.put32(s, 0x154, l.reservedBlocks >>> 32);
            Le.put32(s, 0x158, freeBlocks >>> 32);
        }
        if (l.inodeSize >= Inode.GOOD_OLD_SIZE + InodeRecord.EXTRA_ISIZE) {
            Le.put16(s, 0x15C, InodeRecord.EXTRA_ISIZE);
            Le.put16(s, 0x15E, InodeRecord.EXTRA_ISIZE);
        }
        Le.put32(s, 0x160, Superblock.FLAG_SIGNED_HASH);
        if (l.flexBg()) {
            Le.put8(s, 0x174, l.logGroupsPerFlex);
        }
        if (l.metadataCsum()) {
            Le.put8(s, 0x175, 1);
        }
        Le.put64(s, 0x178, kbytesWritten);
        Le.put32(s, 0x248, overhead());
        if ((l.incompat & Features.INCOMPAT_CSUM_SEED) != 0) {
            Le.put32(s, 0x270, io.imgtool.core.Crc32c.update(~0, uuid) & 0xFFFFFFFFL);
        }
        int hi = (int) (fsTime >> 32) & 0xFF;
        Le.put8(s, 0x274, hi);
        Le.put8(s, 0x276, hi);
        Le.put8(s, 0x277, hi);
        if (l.metadataCsum()) {
            Le.put32(s, Superblock.CHECKSUM_OFFSET, crcSuperblock(s));
        }
        return s;
    }

    private static long crcSuperblock(byte[] s) {
        return io.imgtool.core.Crc32c.update(~0, s, 0, Superblock.CHECKSUM_OFFSET) & 0xFFFFFFFFL;
    }

    /** s_overhead_clusters as the kernel counts it: first data block, group metadata, journal. */
    private long overhead() {
        long o2 = l.firstDataBlock + journalBlocks;
        for (int g = 0; g < l.groups; g++) {
            o2 += l.superBlocks(g) + 2 + l.inodeTableBlocks;
        }
        return o2;
    }
}
