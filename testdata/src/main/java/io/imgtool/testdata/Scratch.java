package io.imgtool.testdata;

import io.imgtool.core.HostFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Scratch space for tests that write disk images, kept small: a suite of hundreds of image tests
 * must fit on a build machine with a few GiB free.
 *
 * <p>{@link #dir} gives a named folder under {@code java.io.tmpdir} (target/tmp in Maven runs) that
 * is removed when the top-level test class that asked for it has finished; the cleanup is this
 * class's JUnit extension, which the build registers for every test class (autodetection, see the
 * root pom); {@link #dirForThisJvm} gives one that lives as long as the test JVM, for images several
 * classes share. {@code -Dimgtool.keepScratch=true} keeps the folders for a post-mortem.
 *
 * <p>{@link #copy} copies an image keeping it sparse: {@code Files.copy} writes every zero, so a
 * mostly empty 300 MiB image took 300 MiB per copy.
 */
public final class Scratch implements AfterAllCallback {

    private static final int BLOCK = 4096;
    private static final List<Path> TO_REMOVE = new ArrayList<>();
    private static final List<Path> AT_EXIT = new ArrayList<>();

    static {
        // Classes of other engines (jqwik) get no JUnit callback; what they leave goes at exit.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (TO_REMOVE) {
                TO_REMOVE.addAll(AT_EXIT);
            }
            removeRegistered();
        }, "scratch-cleanup"));
    }

    /** Fresh (emptied) folder {@code java.io.tmpdir/name}, removed after the current test class. */
    public static Path dir(String name) throws IOException {
        return fresh(name, TO_REMOVE);
    }

    /**
     * Fresh folder {@code java.io.tmpdir/name} for images built once and shared by several test
     * classes of one JVM (one Maven module), removed when that JVM exits.
     */
    public static Path dirForThisJvm(String name) throws IOException {
        return fresh(name, AT_EXIT);
    }

    private static Path fresh(String name, List<Path> removeWith) throws IOException {
        Path p = Path.of(System.getProperty("java.io.tmpdir"), name).toAbsolutePath();
        HostFiles.deleteTree(p);
        Files.createDirectories(p);
        synchronized (TO_REMOVE) {
            removeWith.add(p);
        }
        return p;
    }

    /**
     * Copies {@code from} to {@code to} (replacing it), leaving holes where {@code from} reads as
     * zero in whole 4 KiB blocks; the copy has {@code from}'s length and bytes.
     */
    public static Path copy(Path from, Path to) throws IOException {
        Files.deleteIfExists(to);
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(to, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            long size = in.size();
            long pos = 0;
            while (pos < size) {
                buf.clear();
                int n = in.read(buf, pos);
                if (n <= 0) {
                    throw new IOException(from + " ended at " + pos + " of " + size + " bytes");
                }
                writeNonZero(buf, n, out, pos);
                pos += n;
            }
            if (out.size() < size) {
                // Extending through a one-byte write at the end keeps the tail a hole.
                out.write(ByteBuffer.wrap(new byte[1]), size - 1);
            }
        }
        return to;
    }

    /** Writes the non-zero 4 KiB blocks of {@code buf[0, n)} at {@code at + offset}, runs merged. */
    private static void writeNonZero(ByteBuffer buf, int n, FileChannel out, long at) throws IOException {
        int run = -1;
        for (int off = 0; off < n; off += BLOCK) {
            int end = Math.min(off + BLOCK, n);
            boolean zero = isZero(buf, off, end);
            if (!zero && run < 0) {
                run = off;
            } else if (zero && run >= 0) {
                write(buf, run, off, out, at);
                run = -1;
            }
        }
        if (run >= 0) {
            write(buf, run, n, out, at);
        }
    }

    private static boolean isZero(ByteBuffer buf, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            if (buf.getLong(i) != 0) {
                return false;
            }
        }
        for (; i < to; i++) {
            if (buf.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static void write(ByteBuffer buf, int from, int to, FileChannel out, long at) throws IOException {
        ByteBuffer slice = buf.duplicate().limit(to).position(from);
        long p = at + from;
        while (slice.hasRemaining()) {
            p += out.write(slice, p);
        }
    }

    /** The JUnit side: after a top-level class, the folders asked for so far go. */
    @Override
    public void afterAll(ExtensionContext context) {
        boolean topLevel = context.getParent().map(p -> p.equals(context.getRoot())).orElse(false);
        if (topLevel) {
            removeRegistered();
        }
    }

    private static void removeRegistered() {
        if (Boolean.getBoolean("imgtool.keepScratch")) {
            return;
        }
        List<Path> now;
        synchronized (TO_REMOVE) {
            now = new ArrayList<>(TO_REMOVE);
            TO_REMOVE.clear();
        }
        for (Path p : now) {
            try {
                HostFiles.deleteTree(p);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove the scratch folder " + p, e);
            }
        }
    }
}
