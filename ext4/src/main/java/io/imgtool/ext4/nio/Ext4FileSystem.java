package io.imgtool.ext4.nio;

import io.imgtool.core.ImageFormatException;
import io.imgtool.ext4.Ext4Volume;
import io.imgtool.ext4.internal.Engine;
import io.imgtool.ext4.internal.FileData;
import io.imgtool.ext4.internal.Names;
import io.imgtool.ext4.internal.Resolver;
import io.imgtool.ext4.internal.Xattr;
import io.imgtool.ext4.write.Writer;
import java.io.IOException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchService;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * A {@link FileSystem} over an {@link Ext4Volume}: a thin shell (as jdk.nio.zipfs and jimfs are) that
 * resolves paths with the engine's {@link Resolver} and answers with standard NIO exceptions. On a
 * read-only volume writes throw {@link java.nio.file.ReadOnlyFileSystemException}; on a writable one
 * they go to the engine's {@link Writer} (see {@link Ext4Writes}).
 */
public final class Ext4FileSystem extends FileSystem {

    static final Set<String> VIEWS = Set.of("basic", "posix", "owner", "unix", "ext4", "user", "xattr");
    private static final AtomicLong IDS = new AtomicLong();

    private final Ext4FileSystemProvider provider;
    private final Ext4Volume volume;
    private final Engine engine;
    private final String id;
    private final Ext4Path root;
    private final Ext4FileStore store;
    private final Writer writer;
    private final Object lock = new Object();
    private volatile boolean open = true;

    private Ext4FileSystem(Ext4FileSystemProvider provider, Ext4Volume volume, Engine engine, Writer writer) {
        this.provider = provider;
        this.volume = volume;
        this.engine = engine;
        this.writer = writer;
        this.id = "fs" + IDS.incrementAndGet() + "-" + engine.fs.sb.uuidString();
        this.root = new Ext4Path(this, "/");
        this.store = new Ext4FileStore(engine.fs.sb, writer == null);
    }

    /**
     * Creates the view of {@code volume}, writable through {@code writer} (null: read-only). Internal:
     * use {@link Ext4Volume#fileSystem()}.
     */
    public static Ext4FileSystem create(Ext4Volume volume, Engine engine, Writer writer) {
        Ext4FileSystem fs = new Ext4FileSystem(Ext4FileSystemProvider.instance(), volume, engine, writer);
        if (writer != null) {
            writer.onChange(fs::forgetResolved);
        }
        Ext4FileSystemProvider.register(fs);
        return fs;
    }

    /** Something that reads or writes through the engine. */
    @FunctionalInterface
    interface IoCall<T> {
        T call() throws IOException;
    }

    /**
     * Runs {@code c} alone when the filesystem is writable (reads and writes of the engine are then
     * serialised on the writer), directly when it is read-only.
     */
    <T> T locked(IoCall<T> c) throws IOException {
        if (writer == null) {
            return c.call();
        }
        synchronized (writer) {
            return c.call();
        }
    }

    /** The writer; throws {@link java.nio.file.ReadOnlyFileSystemException} when read-only. */
    Writer writer() {
        if (writer == null) {
            throw new java.nio.file.ReadOnlyFileSystemException();
        }
        ensureOpen();
        return writer;
    }

    boolean writable() {
        return writer != null;
    }

    /** The inode a path of this filesystem names. */
    public long inodeOf(Path p, boolean follow) throws IOException {
        if (!(p instanceof Ext4Path e) || e.getFileSystem() != this) {
            throw new java.nio.file.ProviderMismatchException("not a path of " + this);
        }
        return resolve(e, follow).ino();
    }

    /**
     * Creates a device node, fifo or socket ({@code mode} with its file type, e.g. 0010644 for a fifo)
     * with device number {@code major:minor} (devices only), owned by {@code uid:gid}.
     */
    public void mknod(Path path, int mode, int major, int minor, long uid, long gid) throws IOException {
        Ext4Writes.mknod(this, (Ext4Path) path, mode, major, minor, uid, gid);
    }

    /** Commits every change so far to the device (the volume's flush). */
    public void flush() throws IOException {
        writer().flush();
    }

    String id() {
        return id;
    }

    Engine engine() {
        return engine;
    }

    /** The volume behind this filesystem. */
    public Ext4Volume volume() {
        return volume;
    }

    void ensureOpen() {
        if (!open) {
            throw new ClosedFileSystemException();
        }
    }

    // ---- resolution -------------------------------------------------------------------------------

    /** Recently resolved absolute paths (a walk resolves each path several times: attributes, xattrs, data). */
    private final java.util.Map<String, Resolver.Resolved> resolvedFollow = lru();
    private final java.util.Map<String, Resolver.Resolved> resolvedNoFollow = lru();

    private static java.util.Map<String, Resolver.Resolved> lru() {
        return new java.util.LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(java.util.Map.Entry<String, Resolver.Resolved> eldest) {
                return size() > 4096;
            }
        };
    }

    Resolver.Resolved resolve(Ext4Path p, boolean follow) throws IOException {
        ensureOpen();
        if (writer != null) {
            synchronized (writer) {
                return resolveLocked(p, follow);
            }
        }
        return resolveLocked(p, follow);
    }

    private Resolver.Resolved resolveLocked(Ext4Path p, boolean follow) throws IOException {
        Ext4Path abs = (Ext4Path) p.toAbsolutePath();
        String key = abs.pathString();
        java.util.Map<String, Resolver.Resolved> cache = follow ? resolvedFollow : resolvedNoFollow;
        synchronized (cache) {
            Resolver.Resolved hit = cache.get(key);
            if (hit != null) {
                return hit;
            }
        }
        Resolver.Resolved r = childOfCachedParent(abs, follow);
        if (r == null) {
            r = engine.resolver.resolve(abs.components(), follow, p.toString());
        }
        synchronized (cache) {
            cache.put(key, r);
        }
        return r;
    }

    /**
     * Fast path for walks: when the parent directory was resolved recently and the last name is a
     * plain name, one lookup finishes the job. Null when the general resolution is needed (symbolic
     * link to follow, ".", "..", parent not cached).
     */
    private Resolver.Resolved childOfCachedParent(Ext4Path abs, boolean follow) throws IOException {
        String name = abs.lastName();
        if (name == null || name.equals(".") || name.equals("..")) {
            return null;
        }
        Ext4Path parent = (Ext4Path) abs.getParent();
        if (parent == null) {
            return null;
        }
        Resolver.Resolved dir;
        synchronized (resolvedFollow) {
            dir = resolvedFollow.get(parent.pathString());
        }
        if (dir == null || !dir.inode().isDirectory()) {
            return null;
        }
        byte[] nb = io.imgtool.ext4.internal.Names.encode(name);
        long ino = engine.resolver.lookup(dir.ino(), dir.inode(), nb);
        if (ino < 0) {
            throw new java.nio.file.NoSuchFileException(abs.toString());
        }
        io.imgtool.ext4.ondisk.Inode inode = engine.fs.inode(ino);
        if (follow && inode.isSymlink()) {
            return null;
        }
        long[] anc = java.util.Arrays.copyOf(dir.ancestors(), dir.ancestors().length + 1);
        anc[anc.length - 1] = dir.ino();
        List<byte[]> names = new java.util.ArrayList<>(dir.names().size() + 1);
        names.addAll(dir.names());
        names.add(nb);
        return new Resolver.Resolved(ino, inode, anc, names);
    }

    /** Forgets resolved paths (writer hook: any change to the tree must call this). */
    void forgetResolved() {
        synchronized (resolvedFollow) {
            resolvedFollow.clear();
        }
        synchronized (resolvedNoFollow) {
            resolvedNoFollow.clear();
        }
    }

    Ext4Attributes attributes(Ext4Path p, boolean follow) throws IOException {
        return locked(() -> {
            Resolver.Resolved r = resolve(p, follow);
            return new Ext4Attributes(engine.fs, r.ino(), r.inode());
        });
    }

    List<Xattr> xattrs(Ext4Path p, boolean follow) throws IOException {
        return locked(() -> {
            Resolver.Resolved r = resolve(p, follow);
            return engine.xattrs.read(r.ino(), r.inode());
        });
    }

    FileData data(Resolver.Resolved r) throws ImageFormatException {
        return new FileData(engine.fs, r.ino(), r.inode());
    }

    Path realPath(Ext4Path p, boolean follow) throws IOException {
        Resolver.Resolved r = resolve(p, follow);
        StringBuilder sb = new StringBuilder();
        for (byte[] n : r.names()) {
            sb.append('/').append(Names.decode(n));
        }
        return new Ext4Path(this, sb.length() == 0 ? "/" : sb.toString());
    }

    /** The set of directories a listing of {@code r} must not step back into (ancestors and itself). */
    static Set<Long> loopGuard(Resolver.Resolved r) {
        Set<Long> s = new HashSet<>();
        for (long a : r.ancestors()) {
            s.add(a);
        }
        s.add(r.ino());
        return s;
    }

    // ---- FileSystem -------------------------------------------------------------------------------

    @Override
    public Ext4FileSystemProvider provider() {
        return provider;
    }

    @Override
    public void close() throws IOException {
        if (!open) {
            return;
        }
        open = false;
        Ext4FileSystemProvider.unregister(this);
        volume.close();
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isReadOnly() {
        return writer == null;
    }

    @Override
    public String getSeparator() {
        return "/";
    }

    @Override
    public Iterable<Path> getRootDirectories() {
        return List.of(root);
    }

    @Override
    public Iterable<FileStore> getFileStores() {
        return List.of(store);
    }

    FileStore store() {
        return store;
    }

    @Override
    public Set<String> supportedFileAttributeViews() {
        return VIEWS;
    }

    @Override
    public Path getPath(String first, String... more) {
        if (more.length == 0) {
            return new Ext4Path(this, first);
        }
        StringBuilder sb = new StringBuilder(first);
        for (String m : more) {
            if (!m.isEmpty()) {
                if (sb.length() > 0) {
                    sb.append('/');
                }
                sb.append(m);
            }
        }
        return new Ext4Path(this, sb.toString());
    }

    @Override
    public PathMatcher getPathMatcher(String syntaxAndPattern) {
        int colon = syntaxAndPattern.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected syntax:pattern, got " + syntaxAndPattern);
        }
        String syntax = syntaxAndPattern.substring(0, colon);
        String pattern = syntaxAndPattern.substring(colon + 1);
        String regex = switch (syntax.toLowerCase(java.util.Locale.ROOT)) {
            case "glob" -> Globs.toRegex(pattern);
            case "regex" -> pattern;
            default -> throw new UnsupportedOperationException("syntax '" + syntax + "' not recognized");
        };
        Pattern compiled = Pattern.compile(regex);
        return path -> compiled.matcher(path.toString()).matches();
    }

    @Override
    public UserPrincipalLookupService getUserPrincipalLookupService() {
        return new UserPrincipalLookupService() {
            @Override
            public UserPrincipal lookupPrincipalByName(String name) throws IOException {
                try {
                    return new NumericPrincipal.User(Long.parseLong(name));
                } catch (NumberFormatException e) {
                    throw new UserPrincipalNotFoundException(name);
                }
            }

            @Override
            public GroupPrincipal lookupPrincipalByGroupName(String group) throws IOException {
                try {
                    return new NumericPrincipal.Group(Long.parseLong(group));
                } catch (NumberFormatException e) {
                    throw new UserPrincipalNotFoundException(group);
                }
            }
        };
    }

    @Override
    public WatchService newWatchService() {
        throw new UnsupportedOperationException("ext4 filesystems cannot be watched");
    }

    @Override
    public String toString() {
        return "ext4:" + id;
    }
}
