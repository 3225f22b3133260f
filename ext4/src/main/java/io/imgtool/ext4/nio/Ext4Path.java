package io.imgtool.ext4.nio;

import io.imgtool.ext4.internal.Names;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;

/**
 * A path in an ext4 filesystem: '/'-separated, purely lexical (like UnixPath) until it is resolved
 * against the filesystem. Relative paths are taken relative to the root.
 */
final class Ext4Path implements Path {

    private final Ext4FileSystem fs;
    private final String path;
    private volatile int[] offsets;

    Ext4Path(Ext4FileSystem fs, String input) {
        this.fs = fs;
        this.path = normalizeSlashes(input);
    }

    private Ext4Path(Ext4FileSystem fs, String normalized, boolean trusted) {
        this.fs = fs;
        this.path = normalized;
    }

    /** This path with one more name that holds no '/' or NUL (a directory entry): no re-normalisation. */
    Ext4Path child(String name) {
        String p = path.isEmpty() ? name : path.equals("/") ? "/" + name : path + "/" + name;
        return new Ext4Path(fs, p, true);
    }

    /** The last name as bytes, or null for the root or an empty path. */
    String lastName() {
        int n = getNameCount();
        return n == 0 || path.isEmpty() ? null : nameAt(n - 1);
    }

    private static String normalizeSlashes(String in) {
        if (in.indexOf('\0') >= 0) {
            throw new InvalidPathException(in, "NUL character not allowed");
        }
        StringBuilder sb = new StringBuilder(in.length());
        char prev = 0;
        for (int i = 0; i < in.length(); i++) {
            char c = in.charAt(i);
            if (c == '/' && prev == '/') {
                continue;
            }
            sb.append(c);
            prev = c;
        }
        if (sb.length() > 1 && sb.charAt(sb.length() - 1) == '/') {
            sb.setLength(sb.length() - 1);
        }
        return sb.toString();
    }

    String pathString() {
        return path;
    }

    private int[] offsets() {
        int[] o = offsets;
        if (o == null) {
            List<Integer> list = new ArrayList<>();
            if (path.isEmpty()) {
                list.add(0);
            } else {
                int i = 0;
                while (i < path.length()) {
                    if (path.charAt(i) == '/') {
                        i++;
                        continue;
                    }
                    list.add(i);
                    while (i < path.length() && path.charAt(i) != '/') {
                        i++;
                    }
                }
            }
            o = list.stream().mapToInt(Integer::intValue).toArray();
            offsets = o;
        }
        return o;
    }

    private String nameAt(int i) {
        int[] o = offsets();
        int start = o[i];
        int end = i + 1 < o.length ? o[i + 1] - 1 : path.length();
        return path.substring(start, end);
    }

    /** The names of this path as bytes, for resolution. */
    List<byte[]> components() {
        List<byte[]> out = new ArrayList<>();
        if (path.isEmpty()) {
            return out;
        }
        int n = getNameCount();
        for (int i = 0; i < n; i++) {
            out.add(Names.encode(nameAt(i)));
        }
        return out;
    }

    private static Ext4Path cast(Path p) {
        if (!(p instanceof Ext4Path e)) {
            throw new ProviderMismatchException(p == null ? "null" : p.getClass().getName());
        }
        return e;
    }

    @Override
    public Ext4FileSystem getFileSystem() {
        return fs;
    }

    @Override
    public boolean isAbsolute() {
        return path.startsWith("/");
    }

    @Override
    public Path getRoot() {
        return isAbsolute() ? new Ext4Path(fs, "/") : null;
    }

    @Override
    public Path getFileName() {
        if (path.equals("/")) {
            return null;
        }
        if (path.isEmpty()) {
            return this;
        }
        int n = getNameCount();
        return new Ext4Path(fs, nameAt(n - 1));
    }

    @Override
    public Path getParent() {
        int n = getNameCount();
        if (n == 0 || path.isEmpty()) {
            return null;
        }
        if (n == 1) {
            return getRoot();
        }
        int end = offsets()[n - 1] - 1;
        return new Ext4Path(fs, path.substring(0, end));
    }

    @Override
    public int getNameCount() {
        if (path.equals("/")) {
            return 0;
        }
        return offsets().length;
    }

    @Override
    public Path getName(int index) {
        if (index < 0 || index >= getNameCount()) {
            throw new IllegalArgumentException("no name " + index + " in " + path);
        }
        return new Ext4Path(fs, nameAt(index));
    }

    @Override
    public Path subpath(int beginIndex, int endIndex) {
        int n = getNameCount();
        if (beginIndex < 0 || beginIndex >= n || endIndex > n || beginIndex >= endIndex) {
            throw new IllegalArgumentException("bad subpath " + beginIndex + ".." + endIndex + " of " + path);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = beginIndex; i < endIndex; i++) {
            if (i > beginIndex) {
                sb.append('/');
            }
            sb.append(nameAt(i));
        }
        return new Ext4Path(fs, sb.toString());
    }

    private List<String> names() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < getNameCount(); i++) {
            out.add(nameAt(i));
        }
        return out;
    }

    @Override
    public boolean startsWith(Path other) {
        if (!(other instanceof Ext4Path o) || o.fs != fs) {
            return false;
        }
        if (o.isAbsolute() != isAbsolute()) {
            return false;
        }
        if (o.path.isEmpty()) {
            return path.isEmpty();
        }
        List<String> a = names();
        List<String> b = o.names();
        return b.size() <= a.size() && a.subList(0, b.size()).equals(b);
    }

    @Override
    public boolean endsWith(Path other) {
        if (!(other instanceof Ext4Path o) || o.fs != fs) {
            return false;
        }
        if (o.isAbsolute()) {
            return o.path.equals(path);
        }
        if (o.path.isEmpty()) {
            return path.isEmpty();
        }
        List<String> a = names();
        List<String> b = o.names();
        return b.size() <= a.size() && a.subList(a.size() - b.size(), a.size()).equals(b);
    }

    @Override
    public Path normalize() {
        List<String> out = new ArrayList<>();
        for (String n : names()) {
            if (n.equals(".")) {
                continue;
            }
            if (n.equals("..")) {
                if (!out.isEmpty() && !out.get(out.size() - 1).equals("..")) {
                    out.remove(out.size() - 1);
                    continue;
                }
                if (isAbsolute()) {
                    continue; // ".." at the root stays at the root
                }
            }
            out.add(n);
        }
        String joined = String.join("/", out);
        return new Ext4Path(fs, isAbsolute() ? "/" + joined : joined);
    }

    @Override
    public Path resolve(Path other) {
        Ext4Path o = cast(other);
        if (o.isAbsolute()) {
            return o;
        }
        if (o.path.isEmpty()) {
            return this;
        }
        if (path.isEmpty()) {
            return o;
        }
        return new Ext4Path(fs, path.equals("/") ? "/" + o.path : path + "/" + o.path);
    }

    @Override
    public Path relativize(Path other) {
        Ext4Path o = cast(other);
        if (o.isAbsolute() != isAbsolute()) {
            throw new IllegalArgumentException("'other' is different type of Path");
        }
        if (path.equals(o.path)) {
            return new Ext4Path(fs, "");
        }
        List<String> a = path.isEmpty() ? List.of() : names();
        List<String> b = o.path.isEmpty() ? List.of() : o.names();
        int i = 0;
        while (i < a.size() && i < b.size() && a.get(i).equals(b.get(i))) {
            i++;
        }
        List<String> out = new ArrayList<>();
        for (int k = i; k < a.size(); k++) {
            out.add("..");
        }
        out.addAll(b.subList(i, b.size()));
        return new Ext4Path(fs, String.join("/", out));
    }

    @Override
    public URI toUri() {
        try {
            return new URI(Ext4FileSystemProvider.SCHEME, fs.id(), toAbsolutePath().toString(), null);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Path toAbsolutePath() {
        return isAbsolute() ? this : new Ext4Path(fs, "/" + path);
    }

    @Override
    public Path toRealPath(LinkOption... options) throws IOException {
        return fs.realPath(this, Ext4FileSystemProvider.follow(options));
    }

    @Override
    public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
        throw new UnsupportedOperationException("ext4 paths cannot be watched");
    }

    @Override
    public int compareTo(Path other) {
        return path.compareTo(cast(other).path);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ext4Path p && p.fs == fs && p.path.equals(path);
    }

    @Override
    public int hashCode() {
        return path.hashCode();
    }

    @Override
    public String toString() {
        return path;
    }
}
