package io.imgtool.ext4.export;

import io.imgtool.ext4.nio.Ext4FileAttributeView;
import io.imgtool.ext4.nio.Ext4FileAttributes;
import io.imgtool.ext4.nio.Ext4XattrView;
import io.imgtool.ext4.FileExtent;
import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A depth-first walk of a guest tree (an ext4 {@link java.nio.file.FileSystem}) that never follows
 * symbolic links, visits entries in name order, and reports a damaged entry without stopping.
 */
final class GuestTree {

    interface Visitor {
        /** Called for every entry, a directory before its children; {@code rel} is "" for the root. */
        void entry(Path path, String rel, Ext4FileAttributes attrs) throws IOException;

        /** Called after a directory's children. */
        default void leave(Path dir, String rel, Ext4FileAttributes attrs) throws IOException {
        }

        /** A path that could not be read; the walk continues. */
        void error(Path path, IOException e);
    }

    private GuestTree() {
    }

    static void walk(Path root, Visitor v) throws IOException {
        Ext4FileAttributes a = Files.readAttributes(root, Ext4FileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        visit(root, "", a, v);
    }

    private static void visit(Path p, String rel, Ext4FileAttributes a, Visitor v) throws IOException {
        try {
            v.entry(p, rel, a);
        } catch (IOException e) {
            v.error(p, e);
            return;
        }
        if (!a.isDirectory()) {
            return;
        }
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
            for (Path c : ds) {
                children.add(c);
            }
        } catch (IOException e) {
            v.error(p, e);
        } catch (DirectoryIteratorException e) {
            v.error(p, e.getCause());
        }
        children.sort(null);
        for (Path c : children) {
            Ext4FileAttributes ca;
            try {
                ca = Files.readAttributes(c, Ext4FileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                v.error(c, e);
                continue;
            }
            String name = c.getFileName().toString();
            visit(c, rel.isEmpty() ? name : rel + "/" + name, ca, v);
        }
        try {
            v.leave(p, rel, a);
        } catch (IOException e) {
            v.error(p, e);
        }
    }

    static List<FileExtent> extents(Path p) throws IOException {
        return Files.getFileAttributeView(p, Ext4FileAttributeView.class, LinkOption.NOFOLLOW_LINKS).extents();
    }

    static Map<String, byte[]> xattrs(Path p) throws IOException {
        return Files.getFileAttributeView(p, Ext4XattrView.class, LinkOption.NOFOLLOW_LINKS).readAll();
    }
}
