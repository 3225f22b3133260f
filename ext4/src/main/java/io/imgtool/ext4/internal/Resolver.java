package io.imgtool.ext4.internal;

import io.imgtool.ext4.ondisk.DirEntry;
import io.imgtool.ext4.ondisk.Inode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves paths inside the filesystem, with chroot semantics: ".." at the root stays at the root,
 * absolute symbolic links restart at the filesystem root, relative ones at the link's directory;
 * more than {@link #MAX_LINKS} links in one resolution is a loop. A bounded name cache
 * ((directory, name) -> inode) makes repeated lookups cheap.
 */
public final class Resolver {

    /** Symbolic links followed per resolution before giving up (the kernel's 40). */
    public static final int MAX_LINKS = 40;
    public static final long ROOT = 2;
    private static final int CACHE = 200_000;

    private final FsContext fs;
    private final DirReader dirs;
    private final Map<Key, Long> names;

    private record Key(long dir, String name) {
    }

    /**
     * A resolved path: the inode, the directories from the root down to its parent, and the
     * canonical names from the root to it (empty for the root).
     */
    public record Resolved(long ino, Inode inode, long[] ancestors, List<byte[]> names) {
    }

    public Resolver(FsContext fs, DirReader dirs) {
        this.fs = fs;
        this.dirs = dirs;
        this.names = new LinkedHashMap<>(4096, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Long> eldest) {
                return size() > CACHE;
            }
        };
    }

    /** Remembers a directory entry seen while listing (saves a lookup when the caller stats it). */
    public void remember(long dir, byte[] name, long ino) {
        synchronized (names) {
            names.put(new Key(dir, new String(name, StandardCharsets.ISO_8859_1)), ino);
        }
    }

    /** Forgets one cached name (writer hook: the entry was removed or now names another inode). */
    public void forget(long dir, byte[] name) {
        synchronized (names) {
            names.remove(new Key(dir, new String(name, StandardCharsets.ISO_8859_1)));
        }
    }

    /** Forgets everything cached (writer hook). */
    public void forgetAll() {
        synchronized (names) {
            names.clear();
        }
    }

    /** The inode named {@code name} in directory {@code dir}, or -1. */
    public long lookup(long dir, Inode dirInode, byte[] name) throws IOException {
        Key k = new Key(dir, new String(name, StandardCharsets.ISO_8859_1));
        synchronized (names) {
            Long hit = names.get(k);
            if (hit != null) {
                return hit;
            }
        }
        DirEntry e = dirs.lookup(dir, dirInode, name);
        if (e == null) {
            return -1;
        }
        synchronized (names) {
            names.put(k, e.inode());
        }
        return e.inode();
    }

    /**
     * Resolves {@code components} (names as bytes; "." and ".." allowed) from the root.
     *
     * @param followLast whether a symbolic link as the last component is followed
     * @param display the path as the user wrote it, for exceptions
     */
    public Resolved resolve(List<byte[]> components, boolean followLast, String display) throws IOException {
        Deque<byte[]> queue = new ArrayDeque<>(components);
        List<Long> stack = new ArrayList<>();
        List<byte[]> nameStack = new ArrayList<>();
        stack.add(ROOT);
        int links = 0;
        while (!queue.isEmpty()) {
            byte[] name = queue.pollFirst();
            if (name.length == 0 || (name.length == 1 && name[0] == '.')) {
                continue;
            }
            if (name.length == 2 && name[0] == '.' && name[1] == '.') {
                if (stack.size() > 1) {
                    stack.remove(stack.size() - 1);
                    nameStack.remove(nameStack.size() - 1);
                }
                continue;
            }
            long cur = stack.get(stack.size() - 1);
            Inode curInode = fs.inode(cur);
            if (!curInode.isDirectory()) {
                throw new NotDirectoryException(display);
            }
            long child = lookup(cur, curInode, name);
            if (child < 0) {
                throw new NoSuchFileException(display);
            }
            Inode ci = fs.inode(child);
            boolean last = queue.isEmpty();
            if (ci.isSymlink() && (!last || followLast)) {
                if (++links > MAX_LINKS) {
                    throw new FileSystemLoopException(display);
                }
                byte[] target = Symlinks.target(fs, child, ci);
                List<byte[]> parts = split(target);
                for (int i = parts.size() - 1; i >= 0; i--) {
                    queue.addFirst(parts.get(i));
                }
                if (target.length > 0 && target[0] == '/') {
                    stack.subList(1, stack.size()).clear();
                    nameStack.clear();
                }
                continue;
            }
            if (last) {
                long[] anc = toArray(stack);
                List<byte[]> names = new ArrayList<>(nameStack);
                names.add(name);
                return new Resolved(child, ci, anc, names);
            }
            if (!ci.isDirectory()) {
                throw new NotDirectoryException(display);
            }
            stack.add(child);
            nameStack.add(name);
        }
        long ino = stack.remove(stack.size() - 1);
        long[] anc = toArray(stack);
        return new Resolved(ino, fs.inode(ino), anc, new ArrayList<>(nameStack));
    }

    private static long[] toArray(List<Long> l) {
        long[] a = new long[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = l.get(i);
        }
        return a;
    }

    /** Splits a path at '/' into non-empty components. */
    public static List<byte[]> split(byte[] path) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= path.length; i++) {
            if (i == path.length || path[i] == '/') {
                if (i > start) {
                    out.add(Arrays.copyOfRange(path, start, i));
                }
                start = i + 1;
            }
        }
        return out;
    }
}
