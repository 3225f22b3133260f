package io.imgtool.sysprep;

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
import java.util.List;

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
 */
public final class GuestResolver {

    /** The kernel's limit on links followed in one lookup (MAXSYMLINKS). */
    public static final int MAX_LINKS = 40;

    private final Path root;

    /**
     * @param root the directory that is the guest's "/"; it is itself resolved once with
     *     {@link Path#toRealPath} so that the anchor cannot move
     */
    public GuestResolver(Path root) throws IOException {
        Path real = root.toRealPath();
        if (!Files.isDirectory(real)) {
            throw new NotDirectoryException(root.toString());
        }
        this.root = real;
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
        Path rel = root.relativize(p.normalize());
        String s = rel.toString();
        if (s.startsWith("..")) {
            throw new IllegalArgumentException("path outside the guest root: " + p);
        }
        String sep = root.getFileSystem().getSeparator();
        if (!sep.equals("/")) {
            s = s.replace(sep, "/");
        }
        return s.isEmpty() ? "/" : "/" + s;
    }

    /**
     * Resolves a guest path.
     *
     * @param guestPath absolute or relative to "/"; must not contain NUL
     * @param followFinal whether a link in the last component is followed
     * @throws FileSystemException "too many levels of symbolic links" after {@value #MAX_LINKS}
     */
    public Path resolve(String guestPath, boolean followFinal) throws IOException {
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

    private Path join(List<String> comps, String extra) {
        Path p = root;
        for (String s : comps) {
            p = p.resolve(s);
        }
        return extra == null ? p : p.resolve(extra);
    }

    private static void pushFront(Deque<String> todo, String path) {
        String[] parts = path.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            todo.addFirst(parts[i]);
        }
    }
}
