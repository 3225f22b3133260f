package io.imgtool.sysprep;

import io.imgtool.core.UnsupportedFeatureException;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Maps guest paths ("/var/log/syslog") to paths of the filesystem that holds the guest's root
 * (jimfs, imgtool's ext4 FileSystem, or a host directory), with chroot semantics.
 *
 * <ul>
 *   <li>Every component is looked up inside the guest root; {@code ..} never climbs above it.</li>
 *   <li>A symbolic link met on the way is read with {@link Files#readSymbolicLink} and its target
 *       is resolved by this class against the guest root, as the guest's kernel would after a
 *       chroot: an absolute target restarts at the guest root, a relative one continues from the
 *       link's directory. The underlying filesystem never follows a guest link itself, so a link to
 *       {@code /etc/passwd} in a guest tree on a host directory names the guest's file, never the
 *       host's.</li>
 *   <li>The last component is followed only when asked ({@link #resolveFollow}); by default the
 *       link itself is addressed, so deleting it deletes the link.</li>
 *   <li>More than {@value #MAX_LINKS} links in one lookup fail like ELOOP.</li>
 * </ul>
 *
 * The returned path names an entry whose every parent is a real directory (not a link) below the
 * root: callers must still open it with {@link LinkOption#NOFOLLOW_LINKS}.
 *
 * <p><b>Mounts.</b> A guest assembled from several filesystems (its {@code /etc/fstab}: {@code /boot},
 * {@code /var}, {@code /home} on partitions of their own) is one tree to the operations: the resolver
 * keeps a mount table and maps every guest path to the filesystem mounted at its longest mount-point
 * prefix, so {@code /var/log/syslog} becomes {@code log/syslog} below the {@code /var} filesystem's
 * root, whatever {@link java.nio.file.FileSystem} that is (another ext4 volume, another jimfs). Links
 * are still resolved by this class, against the whole guest: a link on {@code /var} to
 * {@code /etc/passwd} names the root filesystem's file. A mount that imgtool cannot open (vfat, xfs,
 * swap-less LVM...) is {@linkplain Mount#unavailable registered without a root}: a path that enters
 * it fails with an {@link UnsupportedFeatureException} naming the mount, and directory listings
 * leave it out (see {@link #canonical}).
 */
public final class GuestResolver {

    /** The kernel's limit on links followed in one lookup (MAXSYMLINKS). */
    public static final int MAX_LINKS = 40;

    /**
     * A filesystem mounted into the guest tree.
     *
     * @param point the guest mount point, absolute and normalised ("/var", "/boot/efi"); never "/"
     * @param root the directory that is the mounted filesystem's root, or null when imgtool cannot
     *     open it ({@link #unavailable})
     * @param description what is mounted, for messages ("ext4 on partition 3", "vfat on partition 1")
     */
    public record Mount(String point, Path root, String description) {

        public Mount {
            Objects.requireNonNull(description);
            point = normalise(point);
            if (point.equals("/")) {
                throw new IllegalArgumentException("the guest root is not a mount of the table");
            }
        }

        /** A filesystem imgtool can read and write through {@code root}. */
        public static Mount of(String point, Path root, String description) {
            return new Mount(point, Objects.requireNonNull(root), description);
        }

        /** A filesystem imgtool cannot open: paths below {@code point} fail clearly. */
        public static Mount unavailable(String point, String description) {
            return new Mount(point, null, description);
        }

        /** Whether the filesystem can be used. */
        public boolean available() {
            return root != null;
        }

        List<String> components() {
            List<String> c = new ArrayList<>();
            for (String s : point.split("/")) {
                if (!s.isEmpty()) {
                    c.add(s);
                }
            }
            return c;
        }
    }

    private final Path root;
    /** The mounts, longest mount point first, with their real roots. */
    private final List<Mount> mounts;

    /**
     * @param root the directory that is the guest's "/"; it is itself resolved once with
     *     {@link Path#toRealPath} so that the anchor cannot move
     */
    public GuestResolver(Path root) throws IOException {
        this(root, List.of());
    }

    /**
     * A guest assembled from {@code root} and the filesystems mounted into it.
     *
     * @throws IllegalArgumentException if two mounts share a mount point
     */
    public GuestResolver(Path root, List<Mount> mounts) throws IOException {
        this.root = realDirectory(root);
        List<Mount> real = new ArrayList<>();
        List<String> points = new ArrayList<>();
        for (Mount m : mounts) {
            if (points.contains(m.point())) {
                throw new IllegalArgumentException("two filesystems are mounted at " + m.point());
            }
            points.add(m.point());
            real.add(m.available() ? new Mount(m.point(), realDirectory(m.root()), m.description()) : m);
        }
        real.sort(Comparator.comparingInt((Mount m) -> m.components().size()).reversed());
        this.mounts = List.copyOf(real);
    }

    private static Path realDirectory(Path p) throws IOException {
        Path real = p.toRealPath();
        if (!Files.isDirectory(real)) {
            throw new NotDirectoryException(p.toString());
        }
        return real;
    }

    /** The mounts besides the root, longest mount point first. */
    public List<Mount> mounts() {
        return mounts;
    }

    /** Whether {@code p} is the root of the guest or of a mounted filesystem (which cannot be removed). */
    public boolean isMountRoot(Path p) {
        if (p.equals(root)) {
            return true;
        }
        for (Mount m : mounts) {
            if (m.available() && p.equals(m.root())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The path under which the guest sees {@code p}: the mounted filesystem's root when {@code p} is
     * a mount point directory on the filesystem below it (say {@code var} in the root filesystem when
     * a {@code /var} filesystem is mounted), else {@code p} itself.
     *
     * @return the path, or null when a filesystem imgtool cannot open is mounted there
     */
    public Path canonical(Path p) {
        if (mounts.isEmpty()) {
            return p;
        }
        String gp = guestPathOf(p);
        for (Mount m : mounts) {
            if (m.point().equals(gp)) {
                return m.available() ? m.root() : null;
            }
        }
        return p;
    }

    /** The mount whose point is exactly {@code guestPath}, if any. */
    public java.util.Optional<Mount> mountAt(String guestPath) {
        String n = normalise(guestPath);
        return mounts.stream().filter(m -> m.point().equals(n)).findFirst();
    }

    /** The child {@code name} of directory {@code dir}, as the guest sees it (mount points crossed). */
    public Path child(Path dir, String name) throws IOException {
        Path c = dir.resolve(name);
        Path canon = canonical(c);
        if (canon == null) {
            throw unavailable(mountAt(guestPathOf(c)).orElseThrow(), guestPathOf(c));
        }
        return canon;
    }

    private static String normalise(String point) {
        StringBuilder sb = new StringBuilder();
        for (String s : point.split("/")) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                throw new IllegalArgumentException("mount point with '..': " + point);
            }
            sb.append('/').append(s);
        }
        return sb.length() == 0 ? "/" : sb.toString();
    }

    /** Thrown by {@link #join} when a path enters a mount imgtool cannot open; {@link #resolve} names the path. */
    private static final class MountUnavailable extends UnsupportedFeatureException {
        private static final long serialVersionUID = 1L;
        final transient Mount mount;

        MountUnavailable(Mount m) {
            super("guest path", m.description() + " mounted at " + m.point(), "imgtool cannot open this filesystem");
            this.mount = m;
        }
    }

    private static UnsupportedFeatureException unavailable(Mount m, String guestPath) {
        return new UnsupportedFeatureException("guest path " + guestPath, m.description() + " mounted at " + m.point(),
                "imgtool cannot open this filesystem, and the path lies on it; leave out what needs it "
                        + "(--disable the operation, or change the customisation)");
    }

    /** The guest root on its filesystem. */
    public Path root() {
        return root;
    }

    /** Resolves {@code guestPath} without following a link in its last component. */
    public Path resolve(String guestPath) throws IOException {
        return resolve(guestPath, false);
    }

    /** Resolves {@code guestPath}, following links in every component including the last. */
    public Path resolveFollow(String guestPath) throws IOException {
        return resolve(guestPath, true);
    }

    /**
     * The guest path of {@code p}, which must lie below the root: "/" for the root itself.
     *
     * @throws IllegalArgumentException if {@code p} is outside the guest root
     */
    public String guestPathOf(Path p) {
        Path n = p.normalize();
        for (Mount m : mounts) {
            if (m.available() && n.getFileSystem() == m.root().getFileSystem() && n.startsWith(m.root())) {
                String rel = relative(m.root(), n);
                return rel.isEmpty() ? m.point() : m.point() + "/" + rel;
            }
        }
        if (n.getFileSystem() != root.getFileSystem() || !n.startsWith(root)) {
            throw new IllegalArgumentException("path outside the guest root: " + p);
        }
        String rel = relative(root, n);
        return rel.isEmpty() ? "/" : "/" + rel;
    }

    private static String relative(Path base, Path p) {
        String s = base.relativize(p).toString();
        String sep = base.getFileSystem().getSeparator();
        return sep.equals("/") ? s : s.replace(sep, "/");
    }

    /**
     * Resolves a guest path.
     *
     * @param guestPath absolute or relative to "/"; must not contain NUL
     * @param followFinal whether a link in the last component is followed
     * @throws FileSystemException "too many levels of symbolic links" after {@value #MAX_LINKS}
     */
    public Path resolve(String guestPath, boolean followFinal) throws IOException {
        try {
            return resolve0(guestPath, followFinal);
        } catch (MountUnavailable e) {
            throw unavailable(e.mount, guestPath);
        }
    }

    private Path resolve0(String guestPath, boolean followFinal) throws IOException {
        if (guestPath.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("guest path contains NUL: " + guestPath.replace('\0', '?'));
        }
        Deque<String> todo = new ArrayDeque<>();
        pushFront(todo, guestPath);
        List<String> done = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String c = todo.pollFirst();
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (!done.isEmpty()) {
                    done.remove(done.size() - 1);
                }
                continue;
            }
            Path candidate = join(done, c);
            boolean last = todo.stream().allMatch(s -> s.isEmpty() || s.equals("."));
            if (!last || followFinal) {
                BasicFileAttributes a = attributes(candidate);
                if (a != null && a.isSymbolicLink()) {
                    if (++links > MAX_LINKS) {
                        throw new FileSystemException(guestPath, null, "too many levels of symbolic links");
                    }
                    String target = linkTarget(candidate);
                    if (target.startsWith("/")) {
                        done.clear();
                    }
                    pushFront(todo, target);
                    continue;
                }
            }
            done.add(c);
        }
        return done.isEmpty() ? root : join(done, null);
    }

    /** The text of a link's target, with the filesystem's separator turned into "/". */
    String linkTarget(Path link) throws IOException {
        String t = Files.readSymbolicLink(link).toString();
        String sep = link.getFileSystem().getSeparator();
        return sep.equals("/") ? t : t.replace(sep, "/");
    }

    private static BasicFileAttributes attributes(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return null;
        }
    }

    /** The path of the guest path made of {@code comps} (+ {@code extra}), on the filesystem mounted there. */
    private Path join(List<String> comps, String extra) throws UnsupportedFeatureException {
        List<String> all = comps;
        if (extra != null) {
            all = new ArrayList<>(comps);
            all.add(extra);
        }
        Path p = root;
        int from = 0;
        for (Mount m : mounts) {
            List<String> mc = m.components();
            if (mc.size() <= all.size() && all.subList(0, mc.size()).equals(mc)) {
                if (!m.available()) {
                    throw new MountUnavailable(m);
                }
                p = m.root();
                from = mc.size();
                break;
            }
        }
        for (int i = from; i < all.size(); i++) {
            p = p.resolve(all.get(i));
        }
        return p;
    }

    private static void pushFront(Deque<String> todo, String path) {
        String[] parts = path.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            todo.addFirst(parts[i]);
        }
    }
}
