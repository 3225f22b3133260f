package io.imgtool.ext4.fuzz;

import io.imgtool.core.MemoryDevice;
import io.imgtool.ext4.ChecksumPolicy;
import io.imgtool.ext4.Ext4Options;
import io.imgtool.ext4.Ext4Volume;
import io.imgtool.ext4.nio.Ext4FileAttributeView;
import io.imgtool.ext4.nio.Ext4FileAttributes;
import io.imgtool.ext4.nio.Ext4XattrView;
import io.imgtool.testdata.ReferenceTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Small filesystems made by mke2fs for the fuzz tests (built once per JVM), the byte regions each
 * fuzz target mutates, and a bounded walk that reads everything and lets only I/O exceptions through.
 */
final class SeedImages {

    /** A seed image and the byte ranges of one kind of structure in it. */
    record Seed(byte[] image, long[][] regions) {
    }

    private static byte[] plain;
    private static byte[] journaled;

    private SeedImages() {
    }

    static synchronized byte[] plain() throws IOException {
        if (plain == null) {
            plain = build(false);
        }
        return plain;
    }

    static synchronized byte[] journaled() throws IOException {
        if (journaled == null) {
            journaled = build(true);
        }
        return journaled;
    }

    private static byte[] build(boolean journal) throws IOException {
        ReferenceTools.require("mkfs.ext4");
        Path dir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "ext4-fuzz-seed"));
        Path tree = dir.resolve("tree" + journal);
        if (!Files.exists(tree)) {
            Files.createDirectories(tree.resolve("dir/sub"));
            Files.writeString(tree.resolve("small"), "inline-sized");
            byte[] big = new byte[40 * 1024];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) (i * 31);
            }
            Files.write(tree.resolve("big"), big);
            try (var ch = java.nio.channels.FileChannel.open(tree.resolve("frag"), java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE)) {
                for (int i = 0; i < 12; i++) {
                    ch.write(ByteBuffer.wrap(("chunk" + i).getBytes(StandardCharsets.US_ASCII)), i * 8192L);
                }
            }
            for (int i = 0; i < 120; i++) {
                Files.writeString(tree.resolve("dir").resolve("entry-with-a-longer-name-" + i), "e" + i);
            }
            Files.createSymbolicLink(tree.resolve("fast"), Path.of("dir/sub"));
            Files.createSymbolicLink(tree.resolve("slow"), Path.of("d/".repeat(40) + "x"));
            Files.getFileAttributeView(tree.resolve("small"), java.nio.file.attribute.UserDefinedFileAttributeView.class)
                    .write("note", ByteBuffer.wrap("a note".getBytes(StandardCharsets.US_ASCII)));
            Files.getFileAttributeView(tree.resolve("big"), java.nio.file.attribute.UserDefinedFileAttributeView.class)
                    .write("blob", ByteBuffer.wrap(new byte[300]));
        }
        Path img = dir.resolve(journal ? "j.img" : "p.img");
        Files.deleteIfExists(img);
        List<String> cmd = new java.util.ArrayList<>(List.of("mkfs.ext4", "-q", "-F", "-b", "1024", "-N", "256", "-O",
                journal ? "^resize_inode" : "^has_journal,^resize_inode"));
        if (journal) {
            cmd.addAll(List.of("-J", "size=1"));
        }
        cmd.addAll(List.of("-U", "5b6e1c52-64a4-4d1b-9a3e-1f2d3c4b5a69", "-E", "hash_seed=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
                "-d", tree.toString(), img.toString(), journal ? "4M" : "2M"));
        ReferenceTools.runOk(cmd.toArray(String[]::new));
        if (journal) {
            Path blk = dir.resolve("blk");
            byte[] b = new byte[1024];
            b[0] = 'J';
            Files.write(blk, b);
            Path cmds = dir.resolve("cmds");
            Files.write(cmds, List.of("jo -c", "jw -b 300,301 " + blk, "jw -r 301", "jc"));
            ReferenceTools.runOk("debugfs", "-w", "-f", cmds.toString(), img.toString());
        }
        return Files.readAllBytes(img);
    }

    /** The image with {@code count} (offset, xor) mutations inside {@code [from, to)}. */
    static MemoryDevice mutate(byte[] image, long from, long to, com.code_intelligence.jazzer.api.FuzzedDataProvider data)
            throws IOException {
        MemoryDevice d = MemoryDevice.of(image);
        int n = data.consumeInt(1, 16);
        for (int i = 0; i < n && data.remainingBytes() > 0; i++) {
            long off = data.consumeLong(from, Math.max(from, to - 1));
            byte v = data.consumeByte();
            ByteBuffer one = ByteBuffer.allocate(1);
            d.read(one, off);
            one.put(0, (byte) (one.get(0) ^ (v == 0 ? 1 : v)));
            d.write(one.flip(), off);
        }
        return d;
    }

    /**
     * Opens and walks everything (both checksum policies), reading at most 1 MiB per file. Only
     * IOExceptions (and their NIO/unchecked wrappers) may escape a step; anything else is a bug.
     */
    static void openAndWalk(MemoryDevice dev) {
        for (ChecksumPolicy p : ChecksumPolicy.values()) {
            try (Ext4Volume vol = Ext4Volume.open(dev, Ext4Options.builder().checksums(p).build())) {
                vol.info();
                walk(vol.fileSystem());
                vol.check();
            } catch (IOException | UncheckedIOException | DirectoryIteratorException e) {
                // corrupt input is reported this way
            }
        }
    }

    /**
     * Opens the (possibly damaged) image for writing and changes it through the FileSystem: creates,
     * writes, truncates, renames, deletes, sets attributes in every directory it can list. Only
     * IOExceptions and their NIO/unchecked wrappers may escape; anything else is a bug.
     */
    static void openAndChange(MemoryDevice dev) {
        try (Ext4Volume vol = Ext4Volume.open(dev, Ext4Options.builder().writable(true).randomSeed(1).build())) {
            FileSystem fs = vol.fileSystem();
            Deque<Path> todo = new ArrayDeque<>();
            todo.push(fs.getPath("/"));
            int visited = 0;
            int n = 0;
            while (!todo.isEmpty() && visited++ < 200) {
                Path p = todo.pop();
                try {
                    Ext4FileAttributes a = Files.readAttributes(p, Ext4FileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (a.isDirectory()) {
                        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
                            for (Path c : ds) {
                                todo.push(c);
                            }
                        }
                        Path f = p.resolve("fuzz-" + n++);
                        Files.write(f, new byte[5000]);
                        Files.createDirectory(p.resolve("fuzzdir-" + n++));
                        Files.move(f, p.resolve("moved-" + n++));
                    } else if (a.isRegularFile()) {
                        try (SeekableByteChannel ch = Files.newByteChannel(p, java.nio.file.StandardOpenOption.WRITE)) {
                            ch.position(3000).write(ByteBuffer.wrap(new byte[9000]));
                            ch.truncate(100);
                        }
                        Files.setAttribute(p, "unix:mode", 0600);
                        Files.getFileAttributeView(p, Ext4XattrView.class).write("user.fuzz", new byte[300]);
                        Files.delete(p);
                    } else {
                        Files.delete(p);
                    }
                } catch (IOException | UncheckedIOException | DirectoryIteratorException e) {
                    // refused or damaged: the next path
                }
            }
            vol.flush();
        } catch (IOException | UncheckedIOException | DirectoryIteratorException e) {
            // corrupt input is reported this way
        }
    }

    private static void walk(FileSystem fs) {
        Deque<Path> todo = new ArrayDeque<>();
        todo.push(fs.getPath("/"));
        int visited = 0;
        while (!todo.isEmpty() && visited++ < 2000) {
            Path p = todo.pop();
            try {
                Ext4FileAttributes a = Files.readAttributes(p, Ext4FileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                Files.getFileAttributeView(p, Ext4XattrView.class, LinkOption.NOFOLLOW_LINKS).readAll();
                Files.getFileAttributeView(p, Ext4XattrView.class, LinkOption.NOFOLLOW_LINKS).acl(false);
                if (a.isDirectory()) {
                    try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
                        for (Path c : ds) {
                            todo.push(c);
                        }
                    }
                } else if (a.isRegularFile()) {
                    Files.getFileAttributeView(p, Ext4FileAttributeView.class).extents();
                    try (SeekableByteChannel ch = Files.newByteChannel(p)) {
                        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
                        long total = 0;
                        while (total < (1 << 20) && ch.read(b.clear()) > 0) {
                            total += b.position();
                        }
                    }
                } else if (a.isSymbolicLink()) {
                    Files.readSymbolicLink(p);
                    Files.exists(p);
                }
            } catch (IOException | UncheckedIOException | DirectoryIteratorException e) {
                // per-file damage: the walk goes on
            }
        }
    }
}
