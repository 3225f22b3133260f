package io.imgtool.ext4.nio;

import io.imgtool.ext4.Ext4Problem;
import io.imgtool.ext4.internal.DirReader;
import io.imgtool.ext4.internal.Names;
import io.imgtool.ext4.ondisk.DirEntry;
import java.io.IOException;
import java.nio.file.ClosedDirectoryStreamException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Lists a directory lazily. An entry that names one of the directory's own ancestors (a directory
 * hard link loop, which only corruption produces) is skipped and reported, so walks terminate.
 */
final class Ext4DirectoryStream implements DirectoryStream<Path> {

    private final Ext4FileSystem fs;
    private final Ext4Path dir;
    private final long dirIno;
    private final Set<Long> ancestors;
    private final DirReader.Cursor cursor;
    private final Filter<? super Path> filter;
    private boolean iterated;
    private volatile boolean closed;

    Ext4DirectoryStream(Ext4FileSystem fs, Ext4Path dir, long dirIno, Set<Long> ancestors, DirReader.Cursor cursor,
                        Filter<? super Path> filter) {
        this.fs = fs;
        this.dir = dir;
        this.dirIno = dirIno;
        this.ancestors = ancestors;
        this.cursor = cursor;
        this.filter = filter;
    }

    @Override
    public synchronized Iterator<Path> iterator() {
        if (closed) {
            throw new ClosedDirectoryStreamException();
        }
        if (iterated) {
            throw new IllegalStateException("iterator already obtained");
        }
        iterated = true;
        return new Iterator<>() {
            private Path next;

            @Override
            public boolean hasNext() {
                if (next != null) {
                    return true;
                }
                if (closed) {
                    return false;
                }
                try {
                    while (true) {
                        DirEntry e = fs.locked(cursor::next);
                        if (e == null) {
                            return false;
                        }
                        if (ancestors.contains(e.inode())) {
                            fs.engine().fs.problems.add(Ext4Problem.Kind.CORRUPT, "directory inode " + dirIno, -1,
                                    "entry '" + Names.decode(e.name()) + "' links back to ancestor inode " + e.inode()
                                            + " (directory loop); skipped");
                            continue;
                        }
                        if (!validName(e.name())) {
                            fs.engine().fs.problems.add(Ext4Problem.Kind.CORRUPT, "directory inode " + dirIno, -1,
                                    "entry with a NUL or '/' in its name ('" + Names.decode(e.name()).replace('\0', '?')
                                            + "', inode " + e.inode() + "); skipped");
                            continue;
                        }
                        fs.engine().resolver.remember(dirIno, e.name(), e.inode());
                        Path p = dir.child(Names.decode(e.name()));
                        if (filter == null || filter.accept(p)) {
                            next = p;
                            return true;
                        }
                    }
                } catch (IOException ex) {
                    throw new DirectoryIteratorException(ex);
                }
            }

            @Override
            public Path next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Path p = next;
                next = null;
                return p;
            }
        };
    }

    /** Names the kernel could never have created: empty, or holding NUL or '/'. */
    static boolean validName(byte[] name) {
        if (name.length == 0) {
            return false;
        }
        for (byte b : name) {
            if (b == 0 || b == '/') {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        closed = true;
    }
}
