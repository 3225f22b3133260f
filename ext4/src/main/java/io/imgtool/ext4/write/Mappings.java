package io.imgtool.ext4.write;

import io.imgtool.core.ImageFormatException;
import io.imgtool.ext4.internal.FsContext;
import io.imgtool.ext4.ondisk.Features;
import io.imgtool.ext4.ondisk.Inode;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loaded block mappings of recently changed inodes, so a file written in many small pieces is not
 * parsed again for each piece. Cleared when an operation rolls back.
 */
final class Mappings {

    /** A loaded mapping and the store that writes it back. */
    record Loaded(MappingStore store, FileMap map) {
    }

    private final FsContext fs;
    private final Transaction tx;
    private final Allocator alloc;
    private final Map<Long, Loaded> loaded = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Loaded> eldest) {
            return size() > 256;
        }
    };

    Mappings(FsContext fs, Transaction tx, Allocator alloc) {
        this.fs = fs;
        this.tx = tx;
        this.alloc = alloc;
    }

    /** The mapping of a block-mapped (not inline) inode. */
    Loaded get(long ino, Inode inode) throws IOException {
        Loaded l = loaded.get(ino);
        if (l != null) {
            return l;
        }
        if (inode.hasFlag(Inode.FL_INLINE_DATA)) {
            throw new IllegalStateException("inode " + ino + " has inline data");
        }
        MappingStore store;
        if (inode.hasFlag(Inode.FL_EXTENTS)) {
            if (!fs.sb.hasIncompat(Features.INCOMPAT_EXTENTS)) {
                throw new ImageFormatException("ext4 inode " + ino, "i_flags", fs.inodeOffset(ino) + 0x20,
                        String.format("0x%x", inode.flags()), "EXTENTS flag without the extent feature");
            }
            store = new ExtentStore(fs, tx, alloc, ino, inode);
        } else {
            store = new IndirectStore(fs, tx, alloc, ino);
        }
        l = new Loaded(store, store.load());
        loaded.put(ino, l);
        return l;
    }

    void forget(long ino) {
        loaded.remove(ino);
    }

    void clear() {
        loaded.clear();
    }
}
