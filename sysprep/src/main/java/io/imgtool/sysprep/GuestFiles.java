package io.imgtool.sysprep;

import io.imgtool.core.ImageFormatException;
import io.imgtool.core.Owners;
import io.imgtool.core.UnsupportedFeatureException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The only way operations touch the guest: file queries and changes by guest path, resolved with
 * {@link GuestResolver} (chroot semantics, links never followed by the underlying filesystem), each
 * change reported to the {@link ChangeRecorder}.
 *
 * <p>In a dry run nothing is written: changes are recorded and kept in an in-memory overlay, so
 * that later queries see them (a file removed earlier is gone, a directory made earlier exists) and
 * the dry run reports exactly what the real run would do.
 *
 * <p>Ownership and modes go through the filesystem's attribute views: {@code unix:uid},
 * {@code unix:gid} and {@code unix:mode} where the filesystem lets them be set (the JDK's Linux
 * filesystem, imgtool's ext4 FileSystem), else the {@code posix} view, with numeric ids as principal
 * names (jimfs).
 */
public final class GuestFiles {

    /** Guest files read by operations (passwd, shadow, os-release, ifcfg) are at most this large. */
    public static final int MAX_READ = 16 * 1024 * 1024;

    /** Default mode of files imgtool creates. */
    public static final int FILE_MODE = 0644;
    /** Default mode of directories imgtool creates. */
    public static final int DIR_MODE = 0755;

    /** What a guest path is, without following a link in its last component. */
    public enum Type { MISSING, FILE, DIRECTORY, SYMLINK, OTHER }

    /** Mode and numeric owner of an entry. */
    public record Meta(int mode, int uid, int gid) {
        public static final Meta ROOT_FILE = new Meta(FILE_MODE, 0, 0);
        public static final Meta ROOT_DIR = new Meta(DIR_MODE, 0, 0);
    }

    private final GuestResolver resolver;
    private final ChangeRecorder recorder;
    private final boolean dryRun;
    private final ScrubHook scrubHook;

    // The dry-run overlay.
    private final Set<Path> removed = new HashSet<>();
    private final Map<Path, byte[]> written = new HashMap<>();
    private final Set<Path> createdDirs = new HashSet<>();
    private final Map<Path, String> createdLinks = new HashMap<>();
    private final Map<Path, Meta> overlayMeta = new HashMap<>();
    /** Mount points of filesystems imgtool cannot open that a directory listing left out. */
    private final Set<String> skippedMounts = new java.util.TreeSet<>();

    /**
     * @param scrubHook called for each removed regular file, or null when scrubbing is off
     */
    public GuestFiles(GuestResolver resolver, ChangeRecorder recorder, boolean dryRun, ScrubHook scrubHook) {
        this.resolver = resolver;
        this.recorder = recorder;
        this.dryRun = dryRun;
        this.scrubHook = scrubHook;
    }

    public boolean dryRun() {
        return dryRun;
    }

    public GuestResolver resolver() {
        return resolver;
    }

    /**
     * Mount points of filesystems imgtool cannot open (vfat, xfs, ...) that directory listings and
     * recursive walks met and left out, so far.
     */
    public Set<String> skippedMounts() {
        return java.util.Collections.unmodifiableSet(skippedMounts);
    }

    // ---- queries ---------------------------------------------------------------------------------

    /** The type of the entry itself (a link is SYMLINK). */
    public Type type(String guestPath) throws IOException {
        return type(resolver.resolve(guestPath));
    }

    /** The type after following links inside the guest; MISSING for a dangling link or a loop. */
    public Type typeFollow(String guestPath) throws IOException {
        try {
            return type(resolver.resolveFollow(guestPath));
        } catch (FileSystemException e) {
            return Type.MISSING;
        }
    }

    public boolean exists(String guestPath) throws IOException {
        return type(guestPath) != Type.MISSING;
    }

    public boolean isDirectory(String guestPath) throws IOException {
        return type(guestPath) == Type.DIRECTORY;
    }

    public boolean isRegularFile(String guestPath) throws IOException {
        return type(guestPath) == Type.FILE;
    }

    public boolean isSymbolicLink(String guestPath) throws IOException {
        return type(guestPath) == Type.SYMLINK;
    }

    /** The target of a link as written in the guest, or null when the path is no link. */
    public String readLink(String guestPath) throws IOException {
        Path p = resolver.resolve(guestPath);
        if (createdLinks.containsKey(p)) {
            return createdLinks.get(p);
        }
        if (type(p) != Type.SYMLINK) {
            return null;
        }
        return resolver.linkTarget(p);
    }

    /** Size in bytes of a regular file (links followed), or -1 when it is none. */
    public long size(String guestPath) throws IOException {
        Path p = resolveFollowOrNull(guestPath);
        if (p == null || type(p) != Type.FILE) {
            return -1;
        }
        if (written.containsKey(p)) {
            return written.get(p).length;
        }
        return Files.size(p);
    }

    /**
     * The entries of a directory (links in {@code dir} followed inside the guest), as resolved guest
     * paths sorted by name; empty if {@code dir} is not a directory.
     */
    public List<String> list(String dir) throws IOException {
        Path d = resolveFollowOrNull(dir);
        if (d == null || type(d) != Type.DIRECTORY) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (Path p : children(d)) {
            out.add(resolver.guestPathOf(p));
        }
        return out;
    }

    /**
     * Expands a glob(7) pattern ({@code * ? [...]}, one path component each) over the guest.
     * Literal directory components are looked up inside the guest like any path (links followed
     * with chroot semantics, so /var/run/utmp finds /run/utmp); a directory reached by a wildcard
     * is descended into only if it is a real directory, never through a link. A leading dot must be
     * matched explicitly. The result holds resolved guest paths, sorted, not following the last
     * component.
     */
    public List<String> glob(String pattern) throws IOException {
        String[] comps = pattern.split("/");
        List<Path> current = List.of(resolver.root());
        List<String> parts = new ArrayList<>();
        for (String c : comps) {
            if (!c.isEmpty() && !c.equals(".")) {
                parts.add(c);
            }
        }
        for (int i = 0; i < parts.size(); i++) {
            String c = parts.get(i);
            boolean last = i == parts.size() - 1;
            List<Path> next = new ArrayList<>();
            for (Path dir : current) {
                if (Glob.hasWildcard(c)) {
                    for (Path child : children(dir)) {
                        if (!Glob.matches(c, child.getFileName().toString())) {
                            continue;
                        }
                        if (last || type(child) == Type.DIRECTORY) {
                            next.add(child);
                        }
                    }
                } else if (last) {
                    Path p = resolver.child(dir, c);
                    if (type(p) != Type.MISSING) {
                        next.add(p);
                    }
                } else {
                    Path p = resolveFollowOrNull(resolver.guestPathOf(resolver.child(dir, c)));
                    if (p != null && type(p) == Type.DIRECTORY) {
                        next.add(p);
                    }
                }
            }
            current = next;
        }
        TreeMap<String, Path> sorted = new TreeMap<>();
        for (Path p : current) {
            sorted.put(resolver.guestPathOf(p), p);
        }
        return new ArrayList<>(sorted.keySet());
    }

    /** Reads a file (links followed inside the guest), at most {@value #MAX_READ} bytes. */
    public byte[] read(String guestPath) throws IOException {
        Path p = resolver.resolveFollow(guestPath);
        if (written.containsKey(p)) {
            return written.get(p).clone();
        }
        Type t = type(p);
        if (t == Type.MISSING) {
            throw new NoSuchFileException(guestPath);
        }
        if (t != Type.FILE) {
            throw new FileSystemException(guestPath, null, "not a regular file");
        }
        long size = Files.size(p);
        if (size > MAX_READ) {
            throw new ImageFormatException("guest file " + guestPath, "size", -1, size,
                    "larger than " + MAX_READ + " bytes, refusing to read it");
        }
        try (SeekableByteChannel ch = Files.newByteChannel(p, Set.<OpenOption>of(StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS))) {
            ByteBuffer buf = ByteBuffer.allocate((int) size);
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // keep reading
            }
            buf.flip();
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        }
    }

    /** Reads a file as text, one byte per char (ISO-8859-1), so that rewriting it keeps every byte. */
    public String readText(String guestPath) throws IOException {
        return new String(read(guestPath), StandardCharsets.ISO_8859_1);
    }

    /** Mode and owner of the entry (links followed), or null if missing. */
    public Meta meta(String guestPath) throws IOException {
        Path p = resolveFollowOrNull(guestPath);
        if (p == null || type(p) == Type.MISSING) {
            return null;
        }
        return meta(p);
    }

    // ---- changes ---------------------------------------------------------------------------------

    /**
     * Removes a non-directory entry (a file, a link — the link, not its target — a device);
     * nothing happens to a directory or a missing path (like {@code rm} whose error is ignored).
     *
     * @return whether something was removed
     */
    public boolean removeFile(String guestPath) throws IOException {
        Path p = resolver.resolve(guestPath);
        Type t = type(p);
        if (t == Type.MISSING || t == Type.DIRECTORY) {
            return false;
        }
        delete(p, t);
        return true;
    }

    /** Removes an entry of any type; a directory with everything in it, never following links. */
    public boolean removeTree(String guestPath) throws IOException {
        Path p = resolver.resolve(guestPath);
        if (p.equals(resolver.root())) {
            throw new IllegalArgumentException("refusing to remove the guest root");
        }
        if (resolver.isMountRoot(p)) {
            throw new FileSystemException(resolver.guestPathOf(p), null,
                    "is a mount point (a filesystem of its own); refusing to remove it");
        }
        Type t = type(p);
        if (t == Type.MISSING) {
            return false;
        }
        removeTree(p, t);
        return true;
    }

    /**
     * Removes every regular file below {@code dir} (recursively, links not followed, directories
     * and links kept), except those for which {@code keep} answers true.
     *
     * @return how many files were removed
     */
    public int removeFilesUnder(String dir, Predicate<String> keep) throws IOException {
        Path d = resolveFollowOrNull(dir);
        if (d == null || type(d) != Type.DIRECTORY) {
            return 0;
        }
        List<Path> files = new ArrayList<>();
        collectFiles(d, files, 0);
        int n = 0;
        for (Path f : files) {
            if (!keep.test(resolver.guestPathOf(f))) {
                delete(f, Type.FILE);
                n++;
            }
        }
        return n;
    }

    /**
     * Cuts a regular file (the entry itself, not a link's target) to zero length, keeping inode,
     * owner and mode. Nothing happens to an empty file, a link, or a missing path.
     *
     * @return whether the file changed
     */
    public boolean truncate(String guestPath) throws IOException {
        Path p = resolver.resolve(guestPath);
        if (type(p) != Type.FILE) {
            return false;
        }
        long size = written.containsKey(p) ? written.get(p).length : Files.size(p);
        if (size == 0) {
            return false;
        }
        recorder.record(Change.Kind.TRUNCATED, resolver.guestPathOf(p), size + " bytes");
        if (dryRun) {
            written.put(p, new byte[0]);
        } else {
            try (SeekableByteChannel ch = Files.newByteChannel(p, Set.<OpenOption>of(StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS))) {
                ch.truncate(0);
            }
        }
        return true;
    }

    /**
     * Writes {@code content} to a file, following links inside the guest. An existing regular file
     * is rewritten in place (inode, owner and mode kept); a missing one is created with
     * {@code created} mode and owner. Identical content is left alone.
     *
     * @return whether anything changed
     * @throws NoSuchFileException if the parent directory is missing
     */
    public boolean write(String guestPath, byte[] content, Meta created) throws IOException {
        Path p = resolver.resolveFollow(guestPath);
        Type t = type(p);
        String gp = resolver.guestPathOf(p);
        if (t == Type.FILE) {
            byte[] old = read(gp);
            if (java.util.Arrays.equals(old, content)) {
                return false;
            }
            recorder.record(Change.Kind.CHANGED, gp, content.length + " bytes");
            if (dryRun) {
                written.put(p, content.clone());
            } else {
                writeBytes(p, content, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            }
            return true;
        }
        if (t != Type.MISSING) {
            throw new FileSystemException(gp, null, "exists and is not a regular file");
        }
        Path parent = p.getParent();
        if (type(parent) != Type.DIRECTORY) {
            throw new NoSuchFileException(resolver.guestPathOf(parent), null, "parent directory of " + gp + " is missing");
        }
        recorder.record(Change.Kind.CREATED, gp, content.length + " bytes, " + describe(created));
        if (dryRun) {
            written.put(p, content.clone());
            overlayMeta.put(p, created);
            removed.remove(p);
        } else {
            writeBytes(p, content, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
            applyMeta(p, created);
        }
        return true;
    }

    /** {@link #write(String, byte[], Meta)} of UTF-8 text, creating root-owned 0644 files. */
    public boolean writeText(String guestPath, String text) throws IOException {
        return write(guestPath, text.getBytes(StandardCharsets.UTF_8), Meta.ROOT_FILE);
    }

    /** Rewrites an existing file's text byte for byte (ISO-8859-1, the inverse of {@link #readText}). */
    public boolean rewriteText(String guestPath, String text) throws IOException {
        return write(guestPath, text.getBytes(StandardCharsets.ISO_8859_1), Meta.ROOT_FILE);
    }

    /**
     * Creates a directory and its missing parents (links in existing parents followed inside the
     * guest); the directories created get {@code meta}.
     *
     * @return whether a directory was created
     */
    public boolean mkdirs(String guestPath, Meta meta) throws IOException {
        Path p = resolver.resolveFollow(guestPath);
        Type t = type(p);
        if (t == Type.DIRECTORY) {
            return false;
        }
        if (t != Type.MISSING) {
            throw new FileAlreadyExistsException(resolver.guestPathOf(p), null, "exists and is not a directory");
        }
        if (p.getParent() != null && !p.equals(resolver.root())) {
            mkdirs(resolver.guestPathOf(p.getParent()), meta);
        }
        // The parent may have been a link that mkdirs resolved; look again.
        p = resolver.resolveFollow(guestPath);
        recorder.record(Change.Kind.CREATED, resolver.guestPathOf(p), "directory, " + describe(meta));
        if (dryRun) {
            createdDirs.add(p);
            overlayMeta.put(p, meta);
        } else {
            Files.createDirectory(p);
            applyMeta(p, meta);
        }
        return true;
    }

    /**
     * Makes {@code guestPath} a symbolic link to {@code target} (text, not resolved), replacing a
     * link with another target or a regular file; the parent must exist.
     *
     * @return whether anything changed
     */
    public boolean symlink(String guestPath, String target) throws IOException {
        Path p = resolver.resolve(guestPath);
        String gp = resolver.guestPathOf(p);
        Type t = type(p);
        if (t == Type.SYMLINK && target.equals(readLink(gp))) {
            return false;
        }
        if (t == Type.DIRECTORY) {
            throw new FileAlreadyExistsException(gp, null, "is a directory");
        }
        if (type(p.getParent()) != Type.DIRECTORY) {
            throw new NoSuchFileException(resolver.guestPathOf(p.getParent()));
        }
        recorder.record(t == Type.MISSING ? Change.Kind.CREATED : Change.Kind.CHANGED, gp, "symlink -> " + target);
        if (dryRun) {
            written.remove(p);
            createdLinks.put(p, target);
            removed.remove(p);
        } else {
            if (t != Type.MISSING) {
                Files.delete(p);
            }
            Files.createSymbolicLink(p, p.getFileSystem().getPath(target));
        }
        return true;
    }

    /** Sets the permission bits (links followed inside the guest). @return whether they changed */
    public boolean setMode(String guestPath, int mode) throws IOException {
        Path p = resolver.resolveFollow(guestPath);
        Meta m = requireMeta(p, guestPath);
        if ((m.mode() & 07777) == (mode & 07777)) {
            return false;
        }
        recorder.record(Change.Kind.CHANGED, resolver.guestPathOf(p), String.format("mode %04o", mode & 07777));
        if (dryRun) {
            overlayMeta.put(p, new Meta(mode & 07777, m.uid(), m.gid()));
        } else {
            setModeRaw(p, mode & 07777);
        }
        return true;
    }

    /** Sets the numeric owner and group (links followed inside the guest). @return whether they changed */
    public boolean setOwner(String guestPath, int uid, int gid) throws IOException {
        Path p = resolver.resolveFollow(guestPath);
        Meta m = requireMeta(p, guestPath);
        if (m.uid() == uid && m.gid() == gid) {
            return false;
        }
        recorder.record(Change.Kind.CHANGED, resolver.guestPathOf(p), "owner " + uid + ":" + gid);
        if (dryRun) {
            overlayMeta.put(p, new Meta(m.mode(), uid, gid));
        } else {
            setOwnerRaw(p, uid, gid);
        }
        return true;
    }

    // ---- internals -------------------------------------------------------------------------------

    private Path resolveFollowOrNull(String guestPath) throws IOException {
        try {
            return resolver.resolveFollow(guestPath);
        } catch (FileSystemException e) {
            if (e instanceof NoSuchFileException) {
                return null;
            }
            if ("too many levels of symbolic links".equals(e.getReason())) {
                return null;
            }
            throw e;
        }
    }

    Type type(Path p) throws IOException {
        if (written.containsKey(p)) {
            return Type.FILE;
        }
        if (createdDirs.contains(p)) {
            return Type.DIRECTORY;
        }
        if (createdLinks.containsKey(p)) {
            return Type.SYMLINK;
        }
        if (isRemoved(p)) {
            return Type.MISSING;
        }
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return Type.MISSING;
        } catch (FileSystemException e) {
            // ENOTDIR (a parent is a file) surfaces as a plain FileSystemException on Linux.
            if (e.getReason() != null && e.getReason().contains("Not a directory")) {
                return Type.MISSING;
            }
            throw e;
        }
        if (a.isSymbolicLink()) {
            return Type.SYMLINK;
        }
        if (a.isDirectory()) {
            return Type.DIRECTORY;
        }
        if (a.isRegularFile()) {
            return Type.FILE;
        }
        return Type.OTHER;
    }

    private boolean isRemoved(Path p) {
        if (removed.isEmpty()) {
            return false;
        }
        for (Path q = p; q != null && !q.equals(resolver.root()); q = q.getParent()) {
            if (removed.contains(q) && !createdDirs.contains(q)) {
                return true;
            }
        }
        return false;
    }

    /** The entries of a real directory, sorted by name, with the overlay applied. */
    private List<Path> children(Path dir) throws IOException {
        TreeMap<String, Path> out = new TreeMap<>();
        boolean dirRemoved = isRemoved(dir);
        if (!dirRemoved && !createdDirs.contains(dir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path c : ds) {
                    Path canon = resolver.canonical(c);
                    if (canon == null) {
                        skippedMounts.add(resolver.guestPathOf(c));
                        continue;
                    }
                    out.put(c.getFileName().toString(), canon);
                }
            } catch (NoSuchFileException | NotDirectoryException e) {
                return List.of();
            }
        }
        if (dryRun) {
            out.values().removeIf(c -> type0(c) == Type.MISSING);
            for (Path c : overlayEntries()) {
                if (dir.equals(c.getParent())) {
                    out.put(c.getFileName().toString(), c);
                }
            }
        }
        return new ArrayList<>(out.values());
    }

    private Type type0(Path p) {
        try {
            return type(p);
        } catch (IOException e) {
            return Type.MISSING;
        }
    }

    private List<Path> overlayEntries() {
        List<Path> all = new ArrayList<>(written.keySet());
        all.addAll(createdDirs);
        all.addAll(createdLinks.keySet());
        return all;
    }

    private void collectFiles(Path dir, List<Path> out, int depth) throws IOException {
        if (depth > 4096) {
            throw new FileSystemException(resolver.guestPathOf(dir), null, "directory tree deeper than 4096 levels");
        }
        for (Path c : children(dir)) {
            Type t = type(c);
            if (t == Type.FILE) {
                out.add(c);
            } else if (t == Type.DIRECTORY) {
                collectFiles(c, out, depth + 1);
            }
        }
    }

    private void removeTree(Path p, Type t) throws IOException {
        if (t == Type.DIRECTORY) {
            removeChildren(p, 0);
        }
        delete(p, t);
    }

    private void removeChildren(Path dir, int depth) throws IOException {
        if (depth > 4096) {
            throw new FileSystemException(resolver.guestPathOf(dir), null, "directory tree deeper than 4096 levels");
        }
        for (Path c : children(dir)) {
            Type t = type(c);
            if (t == Type.DIRECTORY) {
                removeChildren(c, depth + 1);
            }
            if (t == Type.DIRECTORY && resolver.isMountRoot(c)) {
                continue; // emptied; the mount point itself stays, as rm -rf would fail on it (EBUSY)
            }
            delete(c, t);
        }
    }

    /** Deletes one entry (a directory must be empty by now) and records it. */
    private void delete(Path p, Type t) throws IOException {
        String gp = resolver.guestPathOf(p);
        String detail = switch (t) {
            case FILE -> "file";
            case DIRECTORY -> "directory";
            case SYMLINK -> "symlink";
            default -> "special file";
        };
        if (t == Type.FILE && scrubHook != null) {
            long size = written.containsKey(p) ? written.get(p).length : Files.size(p);
            if (dryRun) {
                recorder.record(Change.Kind.SCRUBBED, gp, size + " bytes would be overwritten");
            } else {
                boolean done = scrubHook.scrub(p);
                recorder.record(Change.Kind.SCRUBBED, gp,
                        done ? size + " bytes overwritten" : size + " bytes would be overwritten (no scrub engine for this filesystem)");
            }
        }
        recorder.record(Change.Kind.REMOVED, gp, detail);
        if (dryRun) {
            written.remove(p);
            createdDirs.remove(p);
            createdLinks.remove(p);
            overlayMeta.remove(p);
            removed.add(p);
        } else {
            Files.delete(p);
        }
    }

    private static void writeBytes(Path p, byte[] content, OpenOption... opts) throws IOException {
        Set<OpenOption> set = new HashSet<>(List.of(opts));
        set.add(LinkOption.NOFOLLOW_LINKS);
        try (SeekableByteChannel ch = Files.newByteChannel(p, set)) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
    }

    private Meta requireMeta(Path p, String guestPath) throws IOException {
        if (type(p) == Type.MISSING) {
            throw new NoSuchFileException(guestPath);
        }
        return meta(p);
    }

    private Meta meta(Path p) throws IOException {
        Meta m = overlayMeta.get(p);
        if (m != null) {
            return m;
        }
        if (written.containsKey(p) || createdDirs.contains(p)) {
            return written.containsKey(p) ? Meta.ROOT_FILE : Meta.ROOT_DIR;
        }
        return readMeta(p);
    }

    private static String describe(Meta m) {
        return String.format("mode %04o, owner %d:%d", m.mode(), m.uid(), m.gid());
    }

    private void applyMeta(Path p, Meta m) throws IOException {
        Meta cur = readMeta(p);
        if (cur.uid() != m.uid() || cur.gid() != m.gid()) {
            setOwnerRaw(p, m.uid(), m.gid());
        }
        if ((cur.mode() & 07777) != m.mode()) {
            setModeRaw(p, m.mode());
        }
    }

    // ---- attribute views -------------------------------------------------------------------------

    /** Reads mode and numeric owner through the unix view, else the posix view. */
    static Meta readMeta(Path p) throws IOException {
        Set<String> views = p.getFileSystem().supportedFileAttributeViews();
        int mode = -1;
        int uid = -1;
        int gid = -1;
        PosixFileAttributes pa = null;
        if (views.contains("posix")) {
            pa = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            uid = numeric(pa.owner().getName());
            gid = numeric(pa.group().getName());
        }
        if (views.contains("unix")) {
            Map<String, Object> ua = Files.readAttributes(p, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
            mode = ((Number) ua.get("mode")).intValue() & 07777;
            if (uid < 0) {
                uid = ((Number) ua.get("uid")).intValue();
            }
            if (gid < 0) {
                gid = ((Number) ua.get("gid")).intValue();
            }
        }
        if (mode < 0 && pa != null) {
            mode = bits(pa.permissions());
        }
        if (mode < 0 || uid < 0 || gid < 0) {
            throw new UnsupportedFeatureException("guest filesystem " + p.getFileSystem(), "posix attributes",
                    "the filesystem reports no numeric owner or mode");
        }
        return new Meta(mode, uid, gid);
    }

    private static int numeric(String name) {
        long v = Owners.numericId(name);
        return v > Integer.MAX_VALUE ? -1 : (int) v;
    }

    /**
     * Sets a path's permission bits (with setuid, setgid, sticky where the unix view takes them), not
     * following a link: unix:mode, else posix permissions (jimfs).
     */
    public static void setModeRaw(Path p, int mode) throws IOException {
        if (p.getFileSystem().supportedFileAttributeViews().contains("unix")) {
            try {
                Files.setAttribute(p, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
                return;
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                // read-only unix view (jimfs): fall back to posix permissions
            }
        }
        PosixFileAttributeView v = Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (v == null) {
            throw new UnsupportedFeatureException("guest filesystem " + p.getFileSystem(), "posix attributes",
                    "cannot set file modes");
        }
        v.setPermissions(permissions(mode));
    }

    /** Sets a path's numeric owner, not following a link: unix:uid/gid, else numeric principal names (jimfs). */
    public static void setOwnerRaw(Path p, int uid, int gid) throws IOException {
        if (p.getFileSystem().supportedFileAttributeViews().contains("unix")) {
            try {
                Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
                return;
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                // read-only unix view (jimfs): fall back to numeric principal names
            }
        }
        PosixFileAttributeView v = Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (v == null) {
            throw new UnsupportedFeatureException("guest filesystem " + p.getFileSystem(), "posix attributes",
                    "cannot set file owners");
        }
        UserPrincipalLookupService lookup = p.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal user = lookup.lookupPrincipalByName(Integer.toString(uid));
        GroupPrincipal group = lookup.lookupPrincipalByGroupName(Integer.toString(gid));
        v.setOwner(user);
        v.setGroup(group);
    }

    static int bits(Set<PosixFilePermission> perms) {
        int m = 0;
        for (PosixFilePermission x : perms) {
            m |= 1 << (8 - x.ordinal());
        }
        return m;
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission x : PosixFilePermission.values()) {
            if ((mode & (1 << (8 - x.ordinal()))) != 0) {
                s.add(x);
            }
        }
        return s;
    }
}
