package io.imgtool.qcow2.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A bounded, access-ordered LRU of cluster-sized metadata tables (L2 tables, refcount blocks) keyed
 * by host offset, with dirty tracking. A dirty table leaving the cache goes through the
 * {@link Store}, which enforces write ordering (an L2 table is written only after the refcount
 * blocks it depends on). Not thread-safe: the owner holds its metadata lock.
 */
public final class MetadataCache {

    /** Loads and stores tables. */
    public interface Store {
        void load(long offset, ByteBuffer into) throws IOException;

        void store(long offset, ByteBuffer from) throws IOException;
    }

    /** One cached table. */
    public static final class Table {
        final long offset;
        final ByteBuffer buf;
        boolean dirty;

        Table(long offset, ByteBuffer buf) {
            this.offset = offset;
            this.buf = buf;
        }

        public ByteBuffer buf() {
            return buf;
        }

        public long offset() {
            return offset;
        }
    }

    private final int tableSize;
    private final int capacity;
    private final Store store;
    private final LinkedHashMap<Long, Table> map = new LinkedHashMap<>(64, 0.75f, true);
    private long hits;
    private long misses;

    public MetadataCache(int tableSize, int capacity, Store store) {
        this.tableSize = tableSize;
        this.capacity = Math.max(2, capacity);
        this.store = store;
    }

    /** The table at {@code offset}, loading it when needed. */
    public Table get(long offset) throws IOException {
        Table t = map.get(offset);
        if (t != null) {
            hits++;
            return t;
        }
        misses++;
        ByteBuffer buf = ByteBuffer.allocate(tableSize);
        store.load(offset, buf);
        buf.clear();
        t = new Table(offset, buf);
        put(t);
        return t;
    }

    /** A new, zero-filled, dirty table at {@code offset} (replacing any cached one). */
    public Table create(long offset) throws IOException {
        Table t = new Table(offset, ByteBuffer.allocate(tableSize));
        t.dirty = true;
        map.remove(offset);
        put(t);
        return t;
    }

    private void put(Table t) throws IOException {
        map.put(t.offset, t);
        while (map.size() > capacity) {
            Iterator<Map.Entry<Long, Table>> it = map.entrySet().iterator();
            Table victim = it.next().getValue();
            if (victim == t) {
                break;
            }
            it.remove();
            if (victim.dirty) {
                store.store(victim.offset, victim.buf.duplicate().clear());
                victim.dirty = false;
            }
        }
    }

    public void markDirty(Table t) {
        t.dirty = true;
    }

    public boolean hasDirty() {
        for (Table t : map.values()) {
            if (t.dirty) {
                return true;
            }
        }
        return false;
    }

    /** Writes every dirty table, in ascending offset order. */
    public void flush() throws IOException {
        List<Table> dirty = new ArrayList<>();
        for (Table t : map.values()) {
            if (t.dirty) {
                dirty.add(t);
            }
        }
        dirty.sort((a, b) -> Long.compare(a.offset, b.offset));
        for (Table t : dirty) {
            store.store(t.offset, t.buf.duplicate().clear());
            t.dirty = false;
        }
    }

    /** Drops a table without writing it (its cluster was freed). */
    public void evict(long offset) {
        map.remove(offset);
    }

    public void clear() {
        map.clear();
    }

    public long hits() {
        return hits;
    }

    public long misses() {
        return misses;
    }
}
