package io.imgtool.ext4.internal;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An access-ordered LRU of metadata blocks (inode tables, directories, extent and index nodes,
 * xattr blocks), read from the filesystem device. Each entry can carry a parsed form (an extent
 * node, a directory's entries) and a "verified" mark so checksums and structure are checked once.
 *
 * <p>Dirty tracking is the hook the writer uses: {@link #markDirty} pins a block until
 * {@link #flush} writes every dirty block in ascending order; evicting never drops a dirty block.
 * Blocks handed out by {@link #get} are shared: readers must not modify them.
 */
public final class BlockCache {

    /** A cached block. */
    public static final class Entry {
        final long block;

        public long block() {
            return block;
        }

        final byte[] data;
        boolean dirty;
        volatile boolean verified;
        volatile Object parsed;

        Entry(long block, byte[] data) {
            this.block = block;
            this.data = data;
        }

        public byte[] data() {
            return data;
        }

        public boolean verified() {
            return verified;
        }

        public void markVerified() {
            verified = true;
        }

        public Object parsed() {
            return parsed;
        }

        public void setParsed(Object p) {
            parsed = p;
        }
    }

    private final BlockDevice dev;
    private final int blockSize;
    private final long blocksCount;
    private final int capacity;
    private final LinkedHashMap<Long, Entry> lru;
    private final TreeMap<Long, Entry> dirty = new TreeMap<>();
    private long reads;

    public BlockCache(BlockDevice dev, int blockSize, long blocksCount, long capacityBytes) {
        this.dev = dev;
        this.blockSize = blockSize;
        this.blocksCount = blocksCount;
        this.capacity = (int) Math.max(16, Math.min(1 << 20, capacityBytes / blockSize));
        this.lru = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Entry> eldest) {
                return size() > capacity && !eldest.getValue().dirty;
            }
        };
    }

    public int blockSize() {
        return blockSize;
    }

    public long blocksCount() {
        return blocksCount;
    }

    /** Throws unless {@code block} lies inside the filesystem. */
    public void checkBlock(long block, String what) throws ImageFormatException {
        if (block < 0 || block >= blocksCount) {
            throw new ImageFormatException(what, "block", -1, Long.toUnsignedString(block),
                    "past the end of the filesystem (" + blocksCount + " blocks)");
        }
    }

    /** The cached entry for {@code block}, reading it on a miss. */
    public Entry entry(long block, String what) throws IOException {
        checkBlock(block, what);
        synchronized (this) {
            Entry e = lru.get(block);
            if (e != null) {
                return e;
            }
        }
        byte[] data = new byte[blockSize];
        dev.read(ByteBuffer.wrap(data), block * blockSize);
        synchronized (this) {
            reads++;
            Entry e = lru.get(block);
            if (e == null) {
                e = new Entry(block, data);
                lru.put(block, e);
            }
            return e;
        }
    }

    /** The block's bytes (shared; do not modify). */
    public byte[] get(long block, String what) throws IOException {
        return entry(block, what).data;
    }

    /**
     * Reads {@code count} consecutive blocks from {@code first} in one device read and caches them;
     * used to read inode tables ahead.
     */
    public void readAhead(long first, int count, String what) throws IOException {
        checkBlock(first, what);
        long n = Math.min(count, blocksCount - first);
        synchronized (this) {
            while (n > 0 && lru.containsKey(first + n - 1)) {
                n--;
            }
            if (n <= 1 || lru.containsKey(first)) {
                return;
            }
        }
        byte[] all = new byte[(int) n * blockSize];
        dev.read(ByteBuffer.wrap(all), first * blockSize);
        synchronized (this) {
            reads++;
            for (int i = 0; i < n; i++) {
                long b = first + i;
                if (!lru.containsKey(b)) {
                    byte[] d = new byte[blockSize];
                    System.arraycopy(all, i * blockSize, d, 0, blockSize);
                    lru.put(b, new Entry(b, d));
                }
            }
        }
    }

    // ---- writer hooks -----------------------------------------------------------------------------

    /** Marks a cached block modified: it stays cached until {@link #flush}; its parsed form is dropped. */
    public synchronized void markDirty(Entry e) {
        e.dirty = true;
        e.parsed = null;
        e.verified = false;
        dirty.put(e.block, e);
        lru.put(e.block, e);
    }

    /** Dirty blocks in ascending order. */
    public synchronized List<Long> dirtyBlocks() {
        return new ArrayList<>(dirty.keySet());
    }

    /** Writes every dirty block in ascending block order, then clears the marks. */
    public void flush() throws IOException {
        List<Entry> todo;
        synchronized (this) {
            todo = new ArrayList<>(dirty.values());
        }
        for (Entry e : todo) {
            dev.write(ByteBuffer.wrap(e.data), e.block * blockSize);
            synchronized (this) {
                e.dirty = false;
                dirty.remove(e.block);
            }
        }
    }

    /** Drops a clean block (after it changed behind the cache). */
    public synchronized void invalidate(long block) {
        Entry e = lru.get(block);
        if (e != null && !e.dirty) {
            lru.remove(block);
        }
    }

    /** Device reads so far (for tests of caching). */
    public synchronized long reads() {
        return reads;
    }

    /** The cached entry for {@code block} if present, without reading. */
    public synchronized Entry peek(long block) {
        return lru.get(block);
    }

    /** Whether the cached block is dirty. */
    public synchronized boolean isDirty(long block) {
        Entry e = lru.get(block);
        return e != null && e.dirty;
    }

    /**
     * Installs {@code data} (not copied) as the content of {@code block} without reading the device
     * (a newly allocated metadata block), marked dirty.
     */
    public synchronized Entry install(long block, byte[] data) throws ImageFormatException {
        checkBlock(block, "new metadata block");
        if (data.length != blockSize) {
            throw new IllegalArgumentException("block of " + data.length + " bytes");
        }
        Entry e = new Entry(block, data);
        lru.put(block, e);
        markDirty(e);
        return e;
    }

    /**
     * Puts back an earlier content of a block (rollback of an operation): the entry is replaced, its
     * parsed form dropped, and it is dirty again only if it was dirty before.
     */
    public synchronized void restore(long block, byte[] data, boolean wasDirty) {
        Entry e = new Entry(block, data);
        lru.put(block, e);
        dirty.remove(block);
        if (wasDirty) {
            e.dirty = true;
            dirty.put(block, e);
        }
    }

    /** Forgets a block entirely, dirty or not (it was freed and its content no longer matters). */
    public synchronized void drop(long block) {
        lru.remove(block);
        dirty.remove(block);
    }

    /** The dirty entries in ascending block order. */
    public synchronized List<Entry> dirtyEntries() {
        return new ArrayList<>(dirty.values());
    }

    /** Marks an entry clean after the caller wrote it to the device. */
    public synchronized void markClean(Entry e) {
        e.dirty = false;
        dirty.remove(e.block);
    }

    /** Drops every clean entry (e.g. after blocks changed on the device behind the cache). */
    public synchronized void clearClean() {
        lru.values().removeIf(e -> !e.dirty);
    }

    /** Number of dirty blocks. */
    public synchronized int dirtyCount() {
        return dirty.size();
    }
}
