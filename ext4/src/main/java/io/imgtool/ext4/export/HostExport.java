package io.imgtool.ext4.export;

import io.imgtool.ext4.FileExtent;
import io.imgtool.ext4.nio.Ext4FileAttributes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies a guest file or tree out to the host, like {@code cp -a} from a mounted filesystem: modes
 * (with setuid/setgid/sticky), modification and access times, symbolic links as links, hard links
 * as hard links, holes as holes, user.* attributes where the host allows; owners, device nodes and
 * fifos only when running as root. Nothing existing is overwritten. Guest names cannot escape the
 * destination: they never contain '/', and "." or ".." are never listed.
 */
public final class HostExport {

    /** Options: whether to set owners (default: when running as root). */
    public record Options(boolean owners, boolean xattrs) {
        public static Options defaults() {
            return new Options(isRoot(), true);
        }
    }

    private HostExport() {
    }

    static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Copies {@code source} (guest) to {@code dest} (host). When {@code dest} is an existing directory
     * the copy goes inside it under the source's name; otherwise {@code dest} is created.
     */
    public static ExportResult copy(Path source, Path dest, Options options) throws IOException {
        Path target = dest;
        boolean destIsDir = Files.isDirectory(dest, LinkOption.NOFOLLOW_LINKS);
        if (!destIsDir && Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(dest.toString());
        }
        if (destIsDir) {
            Path fn = source.getFileName();
            if (fn != null) {
                target = dest.resolve(fn.toString());
            } else {
                target = dest; // the guest root into an existing directory: its contents go there
            }
        }
        if (target != dest && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString());
        }
        Copier c = new Copier(target, options, destIsDir && target == dest);
        GuestTree.walk(source, c);
        c.finish();
        return new ExportResult(c.entries, c.bytes, List.copyOf(c.skipped), List.copyOf(c.errors));
    }

    private static final class Copier implements GuestTree.Visitor {
        private final Path target;
        private final Options options;
        private final boolean rootExists;
        private final Map<Long, Path> links = new HashMap<>();
        private final Deque<Runnable> dirTimes = new ArrayDeque<>();
        private final List<String> skipped = new ArrayList<>();
        private final List<String> errors = new ArrayList<>();
        private final byte[] buf = new byte[1 << 20];
        private long entries;
        private long bytes;

        Copier(Path target, Options options, boolean rootExists) {
            this.target = target;
            this.options = options;
            this.rootExists = rootExists;
        }

        private Path out(String rel) {
            Path o = target;
            if (!rel.isEmpty()) {
                for (String part : rel.split("/")) {
                    o = o.resolve(part);
                }
            }
            return o;
        }

        @Override
        public void entry(Path p, String rel, Ext4FileAttributes a) throws IOException {
            Path o = out(rel);
            if (a.isDirectory()) {
                if (!(rel.isEmpty() && rootExists)) {
                    Files.createDirectory(o);
                }
            } else if (a.isSymbolicLink()) {
                Files.createSymbolicLink(o, Path.of(Files.readSymbolicLink(p).toString()));
            } else if (a.isRegularFile()) {
                Path first = a.linkCount() > 1 ? links.get(a.inode()) : null;
                if (first != null) {
                    Files.createLink(o, first);
                    entries++;
                    return;
                }
                writeFile(p, o, a);
                if (a.linkCount() > 1) {
                    links.put(a.inode(), o);
                }
            } else if (options.owners() && (a.isFifo() || a.isCharacterDevice() || a.isBlockDevice())) {
                mknod(o, a);
            } else {
                skipped.add(rel + ": " + (a.isSocket() ? "socket" : "device or fifo (needs root)"));
                return;
            }
            if (options.xattrs() && !a.isSymbolicLink()) {
                userXattrs(p, o);
            }
            if (options.owners()) {
                Files.setAttribute(o, "unix:uid", (int) a.uid(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(o, "unix:gid", (int) a.gid(), LinkOption.NOFOLLOW_LINKS);
            }
            if (!a.isSymbolicLink()) {
                Files.setAttribute(o, "unix:mode", a.mode() & 07777); // after chown, which clears setuid
            }
            FileTime mt = a.lastModifiedTime();
            FileTime at = a.lastAccessTime();
            if (a.isDirectory()) {
                dirTimes.push(() -> setTimes(o, mt, at));
            } else if (a.isRegularFile() || a.isSymbolicLink()) {
                setTimes(o, mt, at);
            } else {
                touch(o, mt); // the JDK opens a file to set its times, which blocks on a fifo
            }
            entries++;
        }

        private void setTimes(Path o, FileTime mt, FileTime at) {
            try {
                Files.getFileAttributeView(o, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setTimes(mt, at, null);
            } catch (IOException e) {
                errors.add(o + ": setting times: " + e.getMessage());
            }
        }

        private void touch(Path o, FileTime mt) {
            java.time.Instant t = mt.toInstant();
            try {
                Process pr = new ProcessBuilder("touch", "-h", "-d",
                        "@" + t.getEpochSecond() + "." + String.format("%09d", t.getNano()), o.toString())
                        .redirectErrorStream(true).start();
                pr.getInputStream().readAllBytes();
                if (pr.waitFor() != 0) {
                    errors.add(o + ": setting times with touch failed");
                }
            } catch (IOException e) {
                errors.add(o + ": setting times: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void writeFile(Path p, Path o, Ext4FileAttributes a) throws IOException {
            List<FileExtent> extents = GuestTree.extents(p);
            try (SeekableByteChannel in = Files.newByteChannel(p, LinkOption.NOFOLLOW_LINKS);
                 FileChannel out = FileChannel.open(o, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(buf);
                for (FileExtent e : extents) {
                    if (e.type() != FileExtent.Type.DATA) {
                        continue; // holes stay holes
                    }
                    in.position(e.offset());
                    long pos = e.offset();
                    long left = e.length();
                    while (left > 0) {
                        b.clear().limit((int) Math.min(buf.length, left));
                        int n = in.read(b);
                        if (n <= 0) {
                            break;
                        }
                        b.flip();
                        while (b.hasRemaining()) {
                            pos += out.write(b, pos);
                        }
                        left -= n;
                        bytes += n;
                    }
                }
                if (out.size() < a.size()) {
                    try (var raf = new java.io.RandomAccessFile(o.toFile(), "rw")) {
                        raf.setLength(a.size());
                    }
                }
            }
        }

        private void userXattrs(Path p, Path o) {
            try {
                Map<String, byte[]> x = GuestTree.xattrs(p);
                UserDefinedFileAttributeView v = null;
                for (Map.Entry<String, byte[]> e : x.entrySet()) {
                    if (!e.getKey().startsWith("user.")) {
                        continue;
                    }
                    if (v == null) {
                        v = Files.getFileAttributeView(o, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
                    }
                    v.write(e.getKey().substring(5), ByteBuffer.wrap(e.getValue()));
                }
            } catch (IOException | UnsupportedOperationException e) {
                skipped.add(o + ": user attributes not copied (" + e.getMessage() + ")");
            }
        }

        private void mknod(Path o, Ext4FileAttributes a) throws IOException {
            List<String> cmd = new ArrayList<>(List.of("mknod", o.toString()));
            if (a.isFifo()) {
                cmd.add("p");
            } else {
                cmd.addAll(List.of(a.isCharacterDevice() ? "c" : "b", Integer.toString(a.deviceMajor()),
                        Integer.toString(a.deviceMinor())));
            }
            try {
                Process pr = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                String msg = new String(pr.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                if (pr.waitFor() != 0) {
                    throw new IOException("mknod failed: " + msg.trim());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }

        @Override
        public void leave(Path dir, String rel, Ext4FileAttributes attrs) {
            // directory times are set when the whole copy is done (writing inside changes them)
        }

        void finish() {
            while (!dirTimes.isEmpty()) {
                dirTimes.pop().run();
            }
        }

        @Override
        public void error(Path path, IOException e) {
            errors.add(path + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        }
    }
}
