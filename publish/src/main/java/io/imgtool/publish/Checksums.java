package io.imgtool.publish;

import io.imgtool.core.ImageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Computes and checks file digests: the engine behind {@code SHA256SUMS}.
 *
 * <p>Files are read with two large buffers, the next read in flight while the current buffer is
 * hashed, and several files are hashed at once on {@link Builder#threads} threads. Results keep the
 * order of the input.
 *
 * <pre>{@code
 * Checksums sums = Checksums.builder().algorithm(HashAlgorithm.SHA512).build();
 * SumsFile file = sums.sumsFile(List.of(image, manifest), outDir);
 * Files.write(outDir.resolve("SHA512SUMS"), file.toBytes());
 * }</pre>
 */
public final class Checksums {

    private final HashAlgorithm algorithm;
    private final int threads;
    private final int bufferSize;
    private final boolean binaryMarker;

    private Checksums(Builder b) {
        this.algorithm = b.algorithm;
        this.threads = b.threads;
        this.bufferSize = b.bufferSize;
        this.binaryMarker = b.binaryMarker;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options for {@link Checksums}. */
    public static final class Builder {
        private HashAlgorithm algorithm = HashAlgorithm.SHA256;
        private int threads = Runtime.getRuntime().availableProcessors();
        private int bufferSize = 4 << 20;
        private boolean binaryMarker;

        private Builder() {
        }

        /** The digest to compute (default SHA-256). */
        public Builder algorithm(HashAlgorithm algorithm) {
            this.algorithm = java.util.Objects.requireNonNull(algorithm);
            return this;
        }

        /** Files hashed at once (default: the number of processors). */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1");
            }
            this.threads = threads;
            return this;
        }

        /** Size of each of the two read buffers per file (default 4 MiB, 64 KiB to 64 MiB). */
        public Builder bufferSize(int bytes) {
            if (bytes < (64 << 10) || bytes > (64 << 20)) {
                throw new IllegalArgumentException("buffer size must be 64 KiB to 64 MiB");
            }
            this.bufferSize = bytes;
            return this;
        }

        /** Whether written lines carry the binary-mode marker ({@code digest *name}); default text mode. */
        public Builder binaryMarker(boolean binary) {
            this.binaryMarker = binary;
            return this;
        }

        public Checksums build() {
            return new Checksums(this);
        }
    }

    public HashAlgorithm algorithm() {
        return algorithm;
    }

    /** Digests one file; its sums-file name is its base name. */
    public FileDigest digest(Path file) throws IOException {
        return digest(file, file.getFileName().toString(), algorithm);
    }

    /**
     * Digests files in parallel. Each name is the file's path relative to {@code relativeTo}, or the
     * path as given when {@code relativeTo} is null (as {@code sha256sum} writes it).
     */
    public List<FileDigest> digestAll(List<Path> files, Path relativeTo) throws IOException {
        List<String> names = new ArrayList<>(files.size());
        for (Path f : files) {
            names.add(nameFor(f, relativeTo));
        }
        return parallel(files.size(), i -> digest(files.get(i), names.get(i), algorithm));
    }

    /** Digests files in parallel and returns their sums file (names as in {@link #digestAll}). */
    public SumsFile sumsFile(List<Path> files, Path relativeTo) throws IOException {
        List<SumsEntry> entries = new ArrayList<>();
        for (FileDigest d : digestAll(files, relativeTo)) {
            entries.add(d.toEntry(binaryMarker));
        }
        return new SumsFile(entries);
    }

    /**
     * Checks every entry of a sums file against the files it names, relative to {@code baseDir}, in
     * parallel. A name that is absolute or climbs out with {@code ..}, or that is not a regular file,
     * is refused as {@link FileCheck.Status#UNREADABLE}: a sums file must not make the checker read a
     * device or a FIFO forever.
     */
    public List<FileCheck> check(SumsFile sums, Path baseDir) throws IOException {
        List<SumsEntry> entries = sums.entries();
        return parallel(entries.size(), i -> checkOne(entries.get(i), baseDir));
    }

    private FileCheck checkOne(SumsEntry e, Path baseDir) throws IOException {
        Path p;
        try {
            Path rel = baseDir.getFileSystem().getPath(e.name());
            if (rel.isAbsolute() || containsDotDot(rel)) {
                return new FileCheck(e.name(), e.algorithm(), FileCheck.Status.UNREADABLE, e.digest(), null,
                        "absolute or '..' names are refused");
            }
            p = baseDir.resolve(rel);
        } catch (java.nio.file.InvalidPathException ex) {
            return new FileCheck(e.name(), e.algorithm(), FileCheck.Status.UNREADABLE, e.digest(), null,
                    "not a valid file name here");
        }
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.exists(p)) {
            return new FileCheck(e.name(), e.algorithm(), FileCheck.Status.MISSING, e.digest(), null, "no such file");
        }
        if (!Files.isRegularFile(p)) {
            return new FileCheck(e.name(), e.algorithm(), FileCheck.Status.UNREADABLE, e.digest(), null,
                    "not a regular file");
        }
        String actual;
        try {
            actual = digest(p, e.name(), e.algorithm()).digest();
        } catch (NoSuchFileException ex) {
            return new FileCheck(e.name(), e.algorithm(), FileCheck.Status.MISSING, e.digest(), null, "no such file");
        } catch (IOException ex) {
            return new FileCheck(e.name(), e.algorithm(), FileCheck.Status.UNREADABLE, e.digest(), null,
                    String.valueOf(ex.getMessage()));
        }
        FileCheck.Status s = actual.equals(e.digest()) ? FileCheck.Status.OK : FileCheck.Status.MISMATCH;
        return new FileCheck(e.name(), e.algorithm(), s, e.digest(), actual, null);
    }

    private static boolean containsDotDot(Path rel) {
        for (Path part : rel) {
            if (part.toString().equals("..")) {
                return true;
            }
        }
        return false;
    }

    private static String nameFor(Path f, Path relativeTo) {
        if (relativeTo == null) {
            return f.toString();
        }
        Path abs = f.toAbsolutePath().normalize();
        Path base = relativeTo.toAbsolutePath().normalize();
        if (abs.startsWith(base)) {
            return base.relativize(abs).toString();
        }
        return abs.toString();
    }

    /**
     * Hashes a file: two buffers, the next asynchronous read in flight while the current one is
     * hashed.
     */
    FileDigest digest(Path file, String name, HashAlgorithm alg) throws IOException {
        if (Files.isDirectory(file)) {
            throw ImageException.invalidArgument(file + " is a directory");
        }
        MessageDigest md = alg.newDigest();
        long size = 0;
        try (AsynchronousFileChannel ch = AsynchronousFileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer[] bufs = {ByteBuffer.allocateDirect(bufferSize), ByteBuffer.allocateDirect(bufferSize)};
            int cur = 0;
            long pos = 0;
            Future<Integer> pending = ch.read(bufs[cur], pos);
            while (true) {
                int n = await(pending);
                if (n < 0) {
                    break;
                }
                // Fill the buffer before handing it over: short reads only at end of file.
                ByteBuffer b = bufs[cur];
                pos += n;
                if (b.hasRemaining()) {
                    int m;
                    while (b.hasRemaining() && (m = await(ch.read(b, pos))) > 0) {
                        pos += m;
                    }
                }
                int next = 1 - cur;
                bufs[next].clear();
                pending = ch.read(bufs[next], pos);
                b.flip();
                size += b.remaining();
                md.update(b);
                b.clear();
                cur = next;
            }
        }
        return new FileDigest(file, name, alg, HexFormat.of().formatHex(md.digest()), size);
    }

    private static int await(Future<Integer> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while reading");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
    }

    interface IoTask<T> {
        T run(int index) throws IOException;
    }

    /** Runs {@code count} tasks on up to {@link #threads} threads; results in index order. */
    <T> List<T> parallel(int count, IoTask<T> task) throws IOException {
        List<T> out = new ArrayList<>(count);
        int n = Math.min(threads, count);
        if (n <= 1) {
            for (int i = 0; i < count; i++) {
                out.add(task.run(i));
            }
            return out;
        }
        ExecutorService pool = Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "imgtool-checksum");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<T>> futures = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int idx = i;
                futures.add(pool.submit(() -> {
                    try {
                        return task.run(idx);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }));
            }
            for (Future<T> f : futures) {
                try {
                    out.add(f.get());
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof UncheckedIOException u) {
                        throw u.getCause();
                    }
                    if (c instanceof RuntimeException r) {
                        throw r;
                    }
                    throw new IOException(c);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted");
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
