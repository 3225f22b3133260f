package io.imgtool.ext4.nio;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.RawFileDevice;
import io.imgtool.ext4.ChecksumPolicy;
import io.imgtool.ext4.Ext4Options;
import io.imgtool.ext4.Ext4Volume;
import io.imgtool.ext4.JournalPolicy;
import io.imgtool.ext4.internal.Names;
import io.imgtool.ext4.internal.Resolver;
import io.imgtool.ext4.internal.Symlinks;
import io.imgtool.ext4.ondisk.Superblock;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.LinkOption;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.nio.file.spi.FileSystemProvider;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The "ext4" {@link FileSystemProvider}. {@code FileSystems.newFileSystem(imageFile)} opens a bare
 * ext2/3/4 image read-only (env keys {@code "checksums"}: strict|report, {@code "journal"}:
 * replay|refuse|ignore, {@code "writable"}: true to change it); {@link Ext4Volume#fileSystem()} gives
 * the same view over any BlockDevice.
 */
public final class Ext4FileSystemProvider extends FileSystemProvider {

    public static final String SCHEME = "ext4";
    private static final Map<String, Ext4FileSystem> OPEN = new ConcurrentHashMap<>();
    private static volatile Ext4FileSystemProvider instance;

    /** For the ServiceLoader; use {@link #instance()}. */
    public Ext4FileSystemProvider() {
    }

    static Ext4FileSystemProvider instance() {
        if (instance == null) {
            synchronized (Ext4FileSystemProvider.class) {
                if (instance == null) {
                    for (FileSystemProvider p : FileSystemProvider.installedProviders()) {
                        if (p instanceof Ext4FileSystemProvider e) {
                            instance = e;
                        }
                    }
                    if (instance == null) {
                        instance = new Ext4FileSystemProvider();
                    }
                }
            }
        }
        return instance;
    }

    static void register(Ext4FileSystem fs) {
        OPEN.put(fs.id(), fs);
    }

    static void unregister(Ext4FileSystem fs) {
        OPEN.remove(fs.id());
    }

    static boolean follow(LinkOption... options) {
        for (LinkOption o : options) {
            if (o == LinkOption.NOFOLLOW_LINKS) {
                return false;
            }
        }
        return true;
    }

    private static boolean followOpts(Set<? extends OpenOption> options) {
        return !options.contains(LinkOption.NOFOLLOW_LINKS);
    }

    private static Ext4Path cast(Path p) {
        if (!(p instanceof Ext4Path e)) {
            throw new ProviderMismatchException(p == null ? "null" : p.getClass().getName());
        }
        return e;
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    // ---- opening ----------------------------------------------------------------------------------

    private static Ext4Options options(Map<String, ?> env) {
        Ext4Options.Builder b = Ext4Options.builder();
        Object c = env.get("checksums");
        if (c != null) {
            b.checksums(ChecksumPolicy.valueOf(c.toString().toUpperCase(Locale.ROOT)));
        }
        Object j = env.get("journal");
        if (j != null) {
            b.journal(JournalPolicy.valueOf(j.toString().toUpperCase(Locale.ROOT)));
        }
        b.writable(writable(env));
        return b.build();
    }

    private static boolean writable(Map<String, ?> env) {
        Object w = env.get("writable");
        return w != null && Boolean.parseBoolean(w.toString());
    }

    @Override
    public FileSystem newFileSystem(Path image, Map<String, ?> env) throws IOException {
        if (image.getFileSystem() != java.nio.file.FileSystems.getDefault()) {
            throw new UnsupportedOperationException("ext4 images are opened from the default file system");
        }
        BlockDevice dev = RawFileDevice.open(image, writable(env));
        try {
            if (dev.size() < Superblock.OFFSET + Superblock.SIZE) {
                throw new UnsupportedOperationException("not an ext2/3/4 image: " + image);
            }
            ByteBuffer magic = ByteBuffer.allocate(2);
            dev.read(magic, Superblock.OFFSET + 0x38);
            if ((magic.get(0) & 0xff) != 0x53 || (magic.get(1) & 0xff) != 0xEF) {
                throw new UnsupportedOperationException("not an ext2/3/4 image: " + image);
            }
            return Ext4Volume.openOwning(dev, options(env)).fileSystem();
        } catch (IOException | RuntimeException e) {
            dev.close();
            throw e;
        }
    }

    @Override
    public FileSystem newFileSystem(URI uri, Map<String, ?> env) throws IOException {
        if (!SCHEME.equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("not an ext4: URI: " + uri);
        }
        String ssp = uri.getSchemeSpecificPart();
        if (ssp.startsWith("file:")) {
            return newFileSystem(Path.of(URI.create(ssp)), env);
        }
        if (OPEN.containsKey(uri.getAuthority())) {
            throw new FileSystemAlreadyExistsException(uri.toString());
        }
        throw new IllegalArgumentException("expected ext4:file:///path/to/image, got " + uri);
    }

    @Override
    public FileSystem getFileSystem(URI uri) {
        Ext4FileSystem fs = OPEN.get(uri.getAuthority());
        if (fs == null) {
            throw new FileSystemNotFoundException(uri.toString());
        }
        return fs;
    }

    @Override
    public Path getPath(URI uri) {
        return getFileSystem(uri).getPath(uri.getPath());
    }

    // ---- reading ----------------------------------------------------------------------------------

    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        Ext4Path wp = cast(path);
        if (wp.getFileSystem().writable()) {
            return Ext4Writes.open(wp.getFileSystem(), wp, options, attrs);
        }
        for (OpenOption o : options) {
            if (o == StandardOpenOption.WRITE || o == StandardOpenOption.APPEND || o == StandardOpenOption.CREATE
                    || o == StandardOpenOption.CREATE_NEW || o == StandardOpenOption.DELETE_ON_CLOSE
                    || o == StandardOpenOption.TRUNCATE_EXISTING) {
                throw new ReadOnlyFileSystemException();
            }
        }
        Ext4Path p = cast(path);
        Ext4FileSystem fs = p.getFileSystem();
        Resolver.Resolved r = fs.resolve(p, followOpts(options));
        if (r.inode().isDirectory()) {
            throw new FileSystemException(p.toString(), null, "Is a directory");
        }
        if (r.inode().isSymlink()) {
            throw new FileSystemException(p.toString(), null, "Too many levels of symbolic links (NOFOLLOW_LINKS)");
        }
        if (!r.inode().isRegular()) {
            throw new FileSystemException(p.toString(), null, "not a regular file (device, fifo or socket)");
        }
        if (r.inode().hasFlag(io.imgtool.ext4.ondisk.Inode.FL_ENCRYPT)) {
            throw new io.imgtool.core.UnsupportedFeatureException("ext4 inode " + r.ino(), "encrypt",
                    "encrypted file contents are not decrypted");
        }
        return new Ext4ByteChannel(fs, fs.data(r));
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
            throws IOException {
        Ext4Path p = cast(dir);
        Ext4FileSystem fs = p.getFileSystem();
        Resolver.Resolved r = fs.resolve(p, true);
        if (!r.inode().isDirectory()) {
            throw new NotDirectoryException(p.toString());
        }
        return new Ext4DirectoryStream(fs, p, r.ino(), Ext4FileSystem.loopGuard(r),
                fs.locked(() -> fs.engine().dirs.open(r.ino(), r.inode())), filter);
    }

    @Override
    public Path readSymbolicLink(Path link) throws IOException {
        Ext4Path p = cast(link);
        Ext4FileSystem fs = p.getFileSystem();
        Resolver.Resolved r = fs.resolve(p, false);
        if (!r.inode().isSymlink()) {
            throw new NotLinkException(p.toString());
        }
        byte[] target = fs.locked(() -> Symlinks.target(fs.engine().fs, r.ino(), r.inode()));
        for (byte b : target) {
            if (b == 0) {
                throw new io.imgtool.core.ImageFormatException("ext4 inode " + r.ino(), -1,
                        "symbolic link target contains a NUL byte");
            }
        }
        return new Ext4Path(fs, Names.decode(target));
    }

    @Override
    public boolean isSameFile(Path a, Path b) throws IOException {
        if (a.equals(b)) {
            return true;
        }
        if (!(a instanceof Ext4Path pa) || !(b instanceof Ext4Path pb) || pa.getFileSystem() != pb.getFileSystem()) {
            return false;
        }
        return pa.getFileSystem().resolve(pa, true).ino() == pb.getFileSystem().resolve(pb, true).ino();
    }

    @Override
    public boolean isHidden(Path path) {
        Path name = cast(path).getFileName();
        return name != null && name.toString().startsWith(".");
    }

    @Override
    public FileStore getFileStore(Path path) throws IOException {
        Ext4Path p = cast(path);
        p.getFileSystem().resolve(p, true);
        return p.getFileSystem().store();
    }

    @Override
    public void checkAccess(Path path, AccessMode... modes) throws IOException {
        Ext4Path p = cast(path);
        Resolver.Resolved r = p.getFileSystem().resolve(p, true);
        for (AccessMode m : modes) {
            if (m == AccessMode.WRITE && !p.getFileSystem().writable()) {
                throw new AccessDeniedException(p.toString(), null, "read-only file system");
            }
            if (m == AccessMode.EXECUTE && (r.inode().mode() & 0111) == 0) {
                throw new AccessDeniedException(p.toString(), null, "no execute permission");
            }
        }
    }

    // ---- attributes -------------------------------------------------------------------------------

    @Override
    @SuppressWarnings("unchecked")
    public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
        Ext4Path p = cast(path);
        boolean follow = follow(options);
        if (type == BasicFileAttributeView.class) {
            return (V) new Ext4Views.Attributes(p, follow, "basic");
        }
        if (type == PosixFileAttributeView.class) {
            return (V) new Ext4Views.Attributes(p, follow, "posix");
        }
        if (type == FileOwnerAttributeView.class) {
            return (V) new Ext4Views.Attributes(p, follow, "owner");
        }
        if (type == Ext4FileAttributeView.class) {
            return (V) new Ext4Views.Attributes(p, follow, "ext4");
        }
        if (type == UserDefinedFileAttributeView.class) {
            return (V) new Ext4Views.User(p, follow);
        }
        if (type == Ext4XattrView.class) {
            return (V) new Ext4Views.Xattrs(p, follow);
        }
        return null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
            throws IOException {
        if (type == BasicFileAttributes.class || type == PosixFileAttributes.class || type == Ext4FileAttributes.class) {
            Ext4Path p = cast(path);
            return (A) p.getFileSystem().attributes(p, follow(options));
        }
        throw new UnsupportedOperationException("attributes of type " + type.getName() + " are not supported");
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) throws IOException {
        Ext4Path p = cast(path);
        String view = "basic";
        String names = attributes;
        int colon = attributes.indexOf(':');
        if (colon >= 0) {
            view = attributes.substring(0, colon);
            names = attributes.substring(colon + 1);
        }
        if (!Ext4FileSystem.VIEWS.contains(view)) {
            throw new UnsupportedOperationException("view '" + view + "' is not available");
        }
        Map<String, Object> all;
        if (view.equals("user")) {
            all = new LinkedHashMap<>();
            UserDefinedFileAttributeView u = new Ext4Views.User(p, follow(options));
            for (String n : u.list()) {
                ByteBuffer b = ByteBuffer.allocate(u.size(n));
                u.read(n, b);
                all.put(n, b.array());
            }
        } else if (view.equals("xattr")) {
            all = new LinkedHashMap<>(new Ext4Views.Xattrs(p, follow(options)).readAll());
        } else {
            all = p.getFileSystem().attributes(p, follow(options)).asMap(view);
        }
        if (names.equals("*")) {
            return all;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (String n : names.split(",")) {
            if (n.equals("*")) {
                out.putAll(all);
            } else if (all.containsKey(n)) {
                out.put(n, all.get(n));
            } else if (!view.equals("user") && !view.equals("xattr")) {
                throw new IllegalArgumentException("'" + n + "' not recognized in view " + view);
            }
        }
        return out;
    }

    @Override
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
        Ext4Path p = cast(path);
        Ext4Writes.setAttribute(p.getFileSystem(), p, attribute, value, follow(options));
    }

    // ---- writing (ReadOnlyFileSystemException on a read-only volume) -------------------------------

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
        Ext4Path p = cast(dir);
        Ext4Writes.createDirectory(p.getFileSystem(), p, attrs);
    }

    @Override
    public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) throws IOException {
        Ext4Path p = cast(link);
        Ext4Writes.createSymbolicLink(p.getFileSystem(), p, target, attrs);
    }

    @Override
    public void createLink(Path link, Path existing) throws IOException {
        Ext4Path p = cast(link);
        Ext4Path e = cast(existing);
        if (e.getFileSystem() != p.getFileSystem()) {
            throw new FileSystemException(link.toString(), existing.toString(), "Invalid cross-device link");
        }
        Ext4Writes.createLink(p.getFileSystem(), p, e);
    }

    @Override
    public void delete(Path path) throws IOException {
        Ext4Path p = cast(path);
        Ext4Writes.delete(p.getFileSystem(), p);
    }

    @Override
    public void copy(Path source, Path target, CopyOption... options) throws IOException {
        Ext4Path s = cast(source);
        if (target.getFileSystem() == s.getFileSystem()) {
            s.getFileSystem().writer();
        }
        Ext4Writes.copy(s.getFileSystem(), s, target, false, options);
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
        Ext4Path s = cast(source);
        Ext4Writes.move(s.getFileSystem(), s, target, options);
    }
}
