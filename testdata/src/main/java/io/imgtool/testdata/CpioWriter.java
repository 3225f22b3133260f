package io.imgtool.testdata;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Writes a cpio archive in the "newc" format, the one the Linux kernel unpacks as an initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst): a 110-byte ASCII header per entry
 * ("070701" and thirteen 8-digit hex fields), the NUL-terminated name, the data, each padded to 4
 * bytes, and a final "TRAILER!!!" entry. Device nodes are written as entries, so no root is needed.
 * Parent directories are added automatically; times are fixed, so the archive is reproducible.
 */
public final class CpioWriter {

    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFCHR = 0020000;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Set<String> names = new LinkedHashSet<>();
    private int inode = 1;
    private boolean finished;

    /** A directory (and its parents). */
    public CpioWriter dir(String path, int perm) {
        String p = strip(path);
        if (p.isEmpty() || names.contains(p)) {
            return this;
        }
        parents(p);
        entry(p, S_IFDIR | perm, 2, 0, 0, new byte[0]);
        return this;
    }

    public CpioWriter file(String path, int perm, byte[] data) {
        String p = strip(path);
        parents(p);
        entry(p, S_IFREG | perm, 1, 0, 0, data);
        return this;
    }

    public CpioWriter symlink(String path, String target) {
        String p = strip(path);
        parents(p);
        entry(p, S_IFLNK | 0777, 1, 0, 0, target.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** A character device node, e.g. /dev/console (5, 1). */
    public CpioWriter charDevice(String path, int perm, int major, int minor) {
        String p = strip(path);
        parents(p);
        entry(p, S_IFCHR | perm, 1, major, minor, new byte[0]);
        return this;
    }

    /** The archive, with its trailer. */
    public byte[] toByteArray() {
        if (!finished) {
            entry("TRAILER!!!", 0, 1, 0, 0, new byte[0]);
            finished = true;
        }
        return out.toByteArray();
    }

    private void parents(String p) {
        int slash = p.lastIndexOf('/');
        if (slash > 0) {
            dir(p.substring(0, slash), 0755);
        }
    }

    private static String strip(String path) {
        String p = path;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    private void entry(String name, int mode, int nlink, int rdevMajor, int rdevMinor, byte[] data) {
        if (finished) {
            throw new IllegalStateException("archive already finished");
        }
        if (!name.equals("TRAILER!!!") && !names.add(name)) {
            throw new IllegalArgumentException("duplicate cpio entry " + name);
        }
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder("070701");
        int ino = name.equals("TRAILER!!!") ? 0 : inode++;
        for (long v : new long[] {ino, mode, 0, 0, nlink, 0, data.length, 0, 0, rdevMajor, rdevMinor, n.length + 1, 0}) {
            h.append(String.format("%08x", v));
        }
        out.writeBytes(h.toString().getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(n);
        out.write(0);
        pad();
        out.writeBytes(data);
        pad();
    }

    private void pad() {
        while (out.size() % 4 != 0) {
            out.write(0);
        }
    }
}
