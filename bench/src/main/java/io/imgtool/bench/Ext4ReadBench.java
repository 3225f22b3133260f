package io.imgtool.bench;

import io.imgtool.core.RawFileDevice;
import io.imgtool.ext4.Ext4Options;
import io.imgtool.ext4.Ext4Volume;
import io.imgtool.ext4.nio.Ext4FileAttributes;
import io.imgtool.ext4.nio.Ext4XattrView;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileSystem;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;

/**
 * Warm-JVM timings of the ext4 reader on one image: walking the whole tree with all attributes
 * (ext4 attributes and extended attributes of every entry), and reading every regular file. Each
 * is run {@code rounds} times on a fresh volume (cold metadata cache, warm JVM and page cache);
 * the best and the median are printed.
 *
 * <pre>java -cp bench.jar io.imgtool.bench.Ext4ReadBench IMAGE [ROUNDS]</pre>
 */
public final class Ext4ReadBench {

    private Ext4ReadBench() {
    }

    record Walk(long entries, long inodes, long xattrs, long bytes) {
    }

    public static void main(String[] args) throws IOException {
        Path image = Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        // warm-up: JIT
        for (int i = 0; i < 2; i++) {
            walk(image, false);
        }
        long[] walkNs = new long[rounds];
        Walk w = null;
        for (int i = 0; i < rounds; i++) {
            long t = System.nanoTime();
            w = walk(image, false);
            walkNs[i] = System.nanoTime() - t;
        }
        System.out.printf("walk-with-attributes: entries=%d inodes=%d xattrs=%d best=%.3fs median=%.3fs "
                        + "(%.0f inodes/s)%n", w.entries, w.inodes, w.xattrs, walkNs[min(walkNs)] / 1e9,
                median(walkNs) / 1e9, w.inodes / (walkNs[min(walkNs)] / 1e9));
        long[] readNs = new long[Math.max(1, rounds / 2)];
        Walk r = null;
        for (int i = 0; i < readNs.length; i++) {
            long t = System.nanoTime();
            r = walk(image, true);
            readNs[i] = System.nanoTime() - t;
        }
        System.out.printf("read-every-file: entries=%d bytes=%d best=%.3fs (%.0f MiB/s)%n", r.entries, r.bytes,
                readNs[min(readNs)] / 1e9, r.bytes / 1048576.0 / (readNs[min(readNs)] / 1e9));
    }

    private static int min(long[] a) {
        int m = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] < a[m]) {
                m = i;
            }
        }
        return m;
    }

    private static double median(long[] a) {
        long[] s = a.clone();
        java.util.Arrays.sort(s);
        return s[s.length / 2];
    }

    static Walk walk(Path image, boolean read) throws IOException {
        long[] counts = new long[4];
        Set<Long> inodes = new HashSet<>();
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (Ext4Volume vol = Ext4Volume.openOwning(RawFileDevice.open(image, false), Ext4Options.defaults());
             FileSystem fs = vol.fileSystem()) {
            Files.walkFileTree(fs.getPath("/"), new SimpleFileVisitor<>() {
                private void visit(Path p) throws IOException {
                    Ext4FileAttributes a = Files.readAttributes(p, Ext4FileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    counts[0]++;
                    inodes.add(a.inode());
                    counts[2] += Files.getFileAttributeView(p, Ext4XattrView.class, LinkOption.NOFOLLOW_LINKS)
                            .readAll().size();
                    if (read && a.isRegularFile()) {
                        try (SeekableByteChannel ch = Files.newByteChannel(p)) {
                            int n;
                            while ((n = ch.read(buf.clear())) > 0) {
                                counts[3] += n;
                            }
                        }
                    }
                }

                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    visit(dir);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    visit(file);
                    return FileVisitResult.CONTINUE;
                }
            });
        }
        return new Walk(counts[0], inodes.size(), counts[2], counts[3]);
    }
}
