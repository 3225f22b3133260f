package io.imgtool.ext4.export;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Copies host files into a guest filesystem (imgtool's writable ext4 {@code FileSystem}), the other
 * direction of {@link HostExport}: regular files (holes kept: all-zero blocks are not written),
 * directories recursively, symbolic links as links, with permission bits (setuid/setgid/sticky
 * included) and modification times. Owners are {@code uid:gid} given by the caller (root by
 * default: a host's user ids mean nothing in a guest) or the host's with {@code keepOwners}. And
 * the small tree operations the CLI needs: recursive removal.
 */
public final class HostImport {

    /** Owner for new entries, or keep the host's (uid/gid -1). */
    public record Options(long uid, long gid, boolean keepOwners, boolean replace) {
        public static Options defaults() {
            return new Options(0, 0, false, false);
        }
    }

    private static final int CHUNK = 1 << 20;

    private HostImport() {
    }

    /**
     * Copies {@code local} (a host file, link or directory) to {@code guest}: into it, under the
     * local name, when {@code guest} is an existing directory.
     */
    public static ExportResult copy(Path local, Path guest, Options o) throws IOException {
        Path target = guest;
        if (Files.isDirectory(guest) && local.getFileName() != null) {
            target = guest.resolve(local.getFileName().toString());
        }
        List<String> skipped = new ArrayList<>();
        long[] counts = new long[2];
        Path root = target;
        Files.walkFileTree(local, new SimpleFileVisitor<>() {
            private Path dest(Path p) {
                Path rel = local.relativize(p);
                Path d = root;
                for (Path n : rel) {
                    if (!n.toString().isEmpty()) {
                        d = d.resolve(n.toString());
                    }
                }
                return d;
            }

            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Path d = dest(dir);
                if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectory(d);
                }
                counts[0]++;
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                meta(dir, dest(dir), o);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path d = dest(file);
                if (attrs.isSymbolicLink()) {
                    replaceable(d, o);
                    Files.createSymbolicLink(d, d.getFileSystem().getPath(Files.readSymbolicLink(file).toString()));
                    owner(file, d, o);
                } else if (attrs.isRegularFile()) {
                    replaceable(d, o);
                    counts[1] += data(file, d);
                    meta(file, d, o);
                } else {
                    skipped.add(file + ": not a regular file, directory or link");
                    return FileVisitResult.CONTINUE;
                }
                counts[0]++;
                return FileVisitResult.CONTINUE;
            }
        });
        return new ExportResult(counts[0], counts[1], skipped, List.of());
    }

    private static void replaceable(Path d, Options o) throws IOException {
        if (Files.exists(d, LinkOption.NOFOLLOW_LINKS)) {
            if (!o.replace() || Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(d.toString());
            }
            Files.delete(d);
        }
    }

    /** Writes the non-zero blocks of {@code file} to a new guest file; returns the bytes copied. */
    private static long data(Path file, Path d) throws IOException {
        long n = 0;
        long grow = 0;
        try (SeekableByteChannel in = Files.newByteChannel(file);
             SeekableByteChannel out = Files.newByteChannel(d, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.allocate(CHUNK);
            long pos = 0;
            int r;
            while ((r = in.read(buf)) > 0) {
                buf.flip();
                int from = 0;
                // Skip all-zero 4 KiB pieces: they stay holes.
                while (from < r) {
                    int to = Math.min(r, from + 4096);
                    if (!zero(buf, from, to)) {
                        int end = to;
                        while (end < r && !zero(buf, end, Math.min(r, end + 4096))) {
                            end = Math.min(r, end + 4096);
                        }
                        out.position(pos + from);
                        ByteBuffer piece = buf.slice(from, end - from);
                        while (piece.hasRemaining()) {
                            out.write(piece);
                        }
                        n += end - from;
                        from = end;
                    } else {
                        from = to;
                    }
                }
                pos += r;
                buf.clear();
            }
            if (out.size() < pos) {
                grow = pos;
            }
        }
        if (grow > 0) {
            if (d.getFileSystem().supportedFileAttributeViews().contains("ext4")) {
                Files.setAttribute(d, "ext4:size", grow); // a trailing hole stays a hole
            } else {
                try (SeekableByteChannel out = Files.newByteChannel(d, StandardOpenOption.WRITE)) {
                    out.position(grow - 1);
                    out.write(ByteBuffer.wrap(new byte[1]));
                }
            }
        }
        return n;
    }

    private static boolean zero(ByteBuffer b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static void owner(Path host, Path d, Options o) throws IOException {
        long uid = o.uid();
        long gid = o.gid();
        if (o.keepOwners()) {
            Map<String, Object> a = Files.readAttributes(host, "unix:uid,gid", LinkOption.NOFOLLOW_LINKS);
            uid = ((Number) a.get("uid")).longValue();
            gid = ((Number) a.get("gid")).longValue();
        }
        Files.setAttribute(d, "unix:uid", (int) uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(d, "unix:gid", (int) gid, LinkOption.NOFOLLOW_LINKS);
    }

    private static void meta(Path host, Path d, Options o) throws IOException {
        owner(host, d, o);
        int mode = ((Number) Files.getAttribute(host, "unix:mode", LinkOption.NOFOLLOW_LINKS)).intValue() & 07777;
        Files.setAttribute(d, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
        FileTime mtime = Files.getLastModifiedTime(host, LinkOption.NOFOLLOW_LINKS);
        Files.setLastModifiedTime(d, mtime);
    }

    /** Removes {@code p}; a directory with its whole content when {@code recursive}. Links are removed, never followed. */
    public static long delete(Path p, boolean recursive) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new NoSuchFileException(p.toString());
        }
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            Files.delete(p);
            return 1;
        }
        if (!recursive) {
            try {
                Files.delete(p);
                return 1;
            } catch (DirectoryNotEmptyException e) {
                throw new DirectoryNotEmptyException(p + " (give -r to remove it with its content)");
            }
        }
        long[] n = new long[1];
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                n[0]++;
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(dir);
                n[0]++;
                return FileVisitResult.CONTINUE;
            }
        });
        return n[0];
    }
}
