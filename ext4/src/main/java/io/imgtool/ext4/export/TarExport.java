package io.imgtool.ext4.export;

import io.imgtool.ext4.FileExtent;
import io.imgtool.ext4.nio.Ext4FileAttributes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes a guest tree as a POSIX (pax) tar archive, as {@code virt-tar-out} does: numeric owners,
 * modes with setuid/setgid/sticky, mtimes with nanoseconds, extended attributes (SCHILY.xattr, ACLs
 * in their getxattr form), hard links as link entries, device nodes and fifos, and sparse files in
 * the PAX 1.0 sparse format GNU tar extracts with their holes. Sockets cannot be archived and are
 * skipped. Names are relative to the exported directory, "./"-prefixed like {@code tar -C dir .}.
 *
 * <p>commons-compress formats the ustar headers; the pax records are built here, byte-exact, because
 * attribute values are binary; file data goes straight from the image to the output channel.
 */
public final class TarExport {

    private static final int BUF = 1 << 20;
    /** Records of 20 blocks (10 KiB), tar's traditional blocking. */
    private static final int RECORD = 10240;
    private static final int BLOCK = 512;
    private static final org.apache.commons.compress.archivers.zip.ZipEncoding ENCODING =
            org.apache.commons.compress.archivers.zip.ZipEncodingHelper.getZipEncoding("UTF-8");

    private TarExport() {
    }

    /** Writes the tree at {@code root} (a directory or a single file of an ext4 filesystem) to {@code out}. */
    public static ExportResult write(Path root, OutputStream out, Compression compression) throws IOException {
        if (compression == Compression.NONE && out instanceof java.io.FileOutputStream f) {
            return write(root, f.getChannel());
        }
        OutputStream z = compression.wrap(out);
        ExportResult r = write(root, new StreamSink(z));
        z.close();
        return r;
    }

    /**
     * Writes an uncompressed archive to a channel: file data goes from the image to the channel in
     * direct buffers, without passing through the Java heap. The channel is not closed.
     */
    public static ExportResult write(Path root, WritableByteChannel out) throws IOException {
        return write(root, new ChannelSink(out));
    }

    private static ExportResult write(Path root, Sink sink) throws IOException {
        Writer w = new Writer(sink, root);
        GuestTree.walk(root, w);
        w.finish();
        return new ExportResult(w.entries, w.bytes, List.copyOf(w.skipped), List.copyOf(w.errors));
    }

    /** Where archive bytes go. */
    private interface Sink {
        void write(ByteBuffer b) throws IOException;

        /** Whether data buffers should be direct (a channel) or heap (a stream). */
        boolean direct();
    }

    private record ChannelSink(WritableByteChannel ch) implements Sink {
        @Override
        public void write(ByteBuffer b) throws IOException {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }

        @Override
        public boolean direct() {
            return true;
        }
    }

    private record StreamSink(OutputStream out) implements Sink {
        @Override
        public void write(ByteBuffer b) throws IOException {
            if (b.hasArray()) {
                out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
                b.position(b.limit());
            } else {
                byte[] tmp = new byte[Math.min(b.remaining(), 1 << 16)];
                while (b.hasRemaining()) {
                    int n = Math.min(tmp.length, b.remaining());
                    b.get(tmp, 0, n);
                    out.write(tmp, 0, n);
                }
            }
        }

        @Override
        public boolean direct() {
            return false;
        }
    }

    private static final class Writer implements GuestTree.Visitor {
        private final Sink sink;
        private final String rootName;
        private final Map<Long, String> firstLink = new HashMap<>();
        private final List<String> skipped = new ArrayList<>();
        private final List<String> errors = new ArrayList<>();
        private final ByteBuffer buf;
        private final byte[] header = new byte[BLOCK];
        private long entries;
        private long bytes;
        private long written; // archive bytes so far

        Writer(Sink sink, Path root) {
            this.sink = sink;
            this.buf = sink.direct() ? ByteBuffer.allocateDirect(BUF) : ByteBuffer.allocate(BUF);
            Path fn = root.getFileName();
            this.rootName = fn == null ? "" : fn.toString();
        }

        private void out(ByteBuffer b) throws IOException {
            written += b.remaining();
            sink.write(b);
        }

        private void header(TarArchiveEntry e) throws IOException {
            java.util.Arrays.fill(header, (byte) 0);
            e.writeEntryHeader(header, ENCODING, true);
            out(ByteBuffer.wrap(header));
        }

        /** Zeroes up to the next 512-byte boundary. */
        private void padBlock() throws IOException {
            int rem = (int) (written % BLOCK);
            if (rem != 0) {
                out(ByteBuffer.wrap(new byte[BLOCK - rem]));
            }
        }

        /** The end of the archive: two zero blocks, then zeroes to a whole 10 KiB record. */
        void finish() throws IOException {
            out(ByteBuffer.wrap(new byte[2 * BLOCK]));
            int rem = (int) (written % RECORD);
            if (rem != 0) {
                out(ByteBuffer.wrap(new byte[RECORD - rem]));
            }
        }

        private String name(String rel, Ext4FileAttributes a) {
            return rel.isEmpty() ? (a.isDirectory() ? "./" : rootName) : "./" + rel + (a.isDirectory() ? "/" : "");
        }

        @Override
        public void entry(Path p, String rel, Ext4FileAttributes a) throws IOException {
            String name = name(rel, a);
            Map<String, byte[]> pax = new LinkedHashMap<>();
            byte type;
            String linkName = null;
            if (a.isDirectory()) {
                type = TarConstants.LF_DIR;
            } else if (a.isSymbolicLink()) {
                type = TarConstants.LF_SYMLINK;
                linkName = Files.readSymbolicLink(p).toString();
            } else if (a.isRegularFile()) {
                type = TarConstants.LF_NORMAL;
                if (a.linkCount() > 1) {
                    String first = firstLink.putIfAbsent(a.inode(), name);
                    if (first != null) {
                        type = TarConstants.LF_LINK;
                        linkName = first;
                    }
                }
            } else if (a.isCharacterDevice()) {
                type = TarConstants.LF_CHR;
            } else if (a.isBlockDevice()) {
                type = TarConstants.LF_BLK;
            } else if (a.isFifo()) {
                type = TarConstants.LF_FIFO;
            } else {
                skipped.add(name + ": socket (tar cannot hold sockets)");
                return;
            }
            Map<String, byte[]> xattrs = type == TarConstants.LF_LINK ? Map.of() : GuestTree.xattrs(p);
            List<FileExtent> extents = type == TarConstants.LF_NORMAL ? GuestTree.extents(p) : List.of();
            boolean sparse = type == TarConstants.LF_NORMAL && isSparse(extents, a.size());

            String entryName = name;
            if (sparse) {
                int slash = name.lastIndexOf('/', name.length() - 1);
                entryName = name.substring(0, slash + 1) + "GNUSparseFile.0/" + name.substring(slash + 1);
                pax.put("GNU.sparse.major", ascii("1"));
                pax.put("GNU.sparse.minor", ascii("0"));
                pax.put("GNU.sparse.name", utf8(name));
                pax.put("GNU.sparse.realsize", ascii(Long.toString(a.size())));
            } else if (needsPaxName(name)) {
                pax.put("path", utf8(name));
            }
            if (linkName != null && needsPaxName(linkName)) {
                pax.put("linkpath", utf8(linkName));
            }
            if (a.uid() > 07777777) {
                pax.put("uid", ascii(Long.toString(a.uid())));
            }
            if (a.gid() > 07777777) {
                pax.put("gid", ascii(Long.toString(a.gid())));
            }
            Instant mt = a.lastModifiedTime().toInstant();
            if (mt.getNano() != 0 || mt.getEpochSecond() < 0 || mt.getEpochSecond() > 077777777777L) {
                pax.put("mtime", ascii(paxTime(mt)));
            }
            for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
                pax.put("SCHILY.xattr." + x.getKey(), x.getValue());
            }

            byte[] sparseMap = null;
            long dataBytes = 0;
            List<FileExtent> data = new ArrayList<>();
            if (type == TarConstants.LF_NORMAL) {
                if (sparse) {
                    for (FileExtent e : extents) {
                        if (e.type() == FileExtent.Type.DATA) {
                            data.add(e);
                            dataBytes += e.length();
                        }
                    }
                    sparseMap = sparseMap(data, a.size());
                } else {
                    dataBytes = a.size();
                }
            }
            long size = sparse ? sparseMap.length + dataBytes : dataBytes;
            if (size > 077777777777L) {
                pax.put("size", ascii(Long.toString(size)));
            }
            if (!pax.isEmpty()) {
                writePax(entryName, pax);
            }

            TarArchiveEntry e = new TarArchiveEntry(entryName, type, true);
            e.setMode(a.mode() & 07777);
            e.setUserId(Math.min(a.uid(), 07777777));
            e.setGroupId(Math.min(a.gid(), 07777777));
            e.setUserName("");
            e.setGroupName("");
            e.setModTime(java.nio.file.attribute.FileTime.from(Instant.ofEpochSecond(
                    Math.max(0, Math.min(077777777777L, mt.getEpochSecond())))));
            if (linkName != null) {
                e.setLinkName(linkName);
            }
            if (type == TarConstants.LF_CHR || type == TarConstants.LF_BLK) {
                e.setDevMajor(Math.min(a.deviceMajor(), 07777777));
                e.setDevMinor(Math.min(a.deviceMinor(), 07777777));
            }
            e.setSize(size);
            header(e);
            if (type == TarConstants.LF_NORMAL) {
                try {
                    if (sparse) {
                        out(ByteBuffer.wrap(sparseMap));
                        copy(p, data);
                    } else {
                        copy(p, List.of(new FileExtent(0, a.size(), FileExtent.Type.DATA, -1)));
                    }
                } finally {
                    padBlock();
                }
            }
            entries++;
        }

        /** Copies the given ranges of the file; an error part-way leaves the entry padded (and reported). */
        private void copy(Path p, List<FileExtent> ranges) throws IOException {
            long expected = 0;
            for (FileExtent r : ranges) {
                expected += r.length();
            }
            long done = 0;
            try (SeekableByteChannel ch = Files.newByteChannel(p, LinkOption.NOFOLLOW_LINKS)) {
                for (FileExtent r : ranges) {
                    ch.position(r.offset());
                    long left = r.length();
                    while (left > 0) {
                        buf.clear().limit((int) Math.min(BUF, left));
                        int n = ch.read(buf);
                        if (n <= 0) {
                            break;
                        }
                        buf.flip();
                        out(buf);
                        left -= n;
                        done += n;
                    }
                }
            } catch (IOException e) {
                // Keep the archive well-formed: pad the entry to its declared size, then report.
                ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(BUF, Math.max(1, expected - done)));
                while (done < expected) {
                    zeros.clear().limit((int) Math.min(zeros.capacity(), expected - done));
                    done += zeros.remaining();
                    out(zeros);
                }
                throw e;
            } finally {
                bytes += done;
            }
            if (done < expected) { // the file was shorter than its size said: pad
                ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(BUF, expected - done));
                while (done < expected) {
                    zeros.clear().limit((int) Math.min(zeros.capacity(), expected - done));
                    done += zeros.remaining();
                    out(zeros);
                }
            }
        }

        private void writePax(String entryName, Map<String, byte[]> records) throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (Map.Entry<String, byte[]> r : records.entrySet()) {
                byte[] key = utf8(r.getKey());
                int len = key.length + r.getValue().length + 3; // ' ', '=', '\n'
                int digits = Integer.toString(len).length();
                int total = len + digits;
                if (Integer.toString(total).length() != digits) {
                    total++;
                }
                body.writeBytes(ascii(total + " "));
                body.writeBytes(key);
                body.write('=');
                body.writeBytes(r.getValue());
                body.write('\n');
            }
            String base = entryName.endsWith("/") ? entryName.substring(0, entryName.length() - 1) : entryName;
            int slash = base.lastIndexOf('/');
            String paxName = base.substring(0, slash + 1) + "PaxHeaders/" + base.substring(slash + 1);
            TarArchiveEntry x = new TarArchiveEntry(asciiOnly(paxName), TarConstants.LF_PAX_EXTENDED_HEADER_LC, true);
            x.setSize(body.size());
            x.setModTime(0);
            header(x);
            out(ByteBuffer.wrap(body.toByteArray()));
            padBlock();
        }

        @Override
        public void error(Path path, IOException e) {
            errors.add(path + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        }
    }

    /** Whether the file has holes (or unwritten space) worth storing as a sparse entry. */
    static boolean isSparse(List<FileExtent> extents, long size) {
        long zero = 0;
        for (FileExtent e : extents) {
            if (e.type() != FileExtent.Type.DATA) {
                zero += e.length();
            }
        }
        return zero >= 4096 || (size > 0 && zero == size);
    }

    /** The PAX 1.0 sparse map: count, then offset and length per data region, padded to 512 bytes. */
    static byte[] sparseMap(List<FileExtent> data, long realSize) {
        StringBuilder sb = new StringBuilder();
        boolean endsInHole = data.isEmpty() || data.get(data.size() - 1).end() < realSize;
        sb.append(data.size() + (endsInHole ? 1 : 0)).append('\n');
        for (FileExtent e : data) {
            sb.append(e.offset()).append('\n').append(e.length()).append('\n');
        }
        if (endsInHole) {
            sb.append(realSize).append('\n').append(0).append('\n');
        }
        byte[] text = ascii(sb.toString());
        int padded = (text.length + 511) / 512 * 512;
        byte[] out = new byte[padded];
        System.arraycopy(text, 0, out, 0, text.length);
        return out;
    }

    private static boolean needsPaxName(String s) {
        if (s.length() > 99) {
            return true;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return true;
            }
        }
        return false;
    }

    private static String asciiOnly(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < 99; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x80 ? c : '_');
        }
        return sb.toString();
    }

    static String paxTime(Instant t) {
        long sec = t.getEpochSecond();
        int nanos = t.getNano();
        if (nanos == 0) {
            return Long.toString(sec);
        }
        if (sec < 0) {
            // -1.25 is one and a quarter seconds before the epoch
            long s = sec + 1;
            int n = 1_000_000_000 - nanos;
            String frac = String.format("%09d", n).replaceAll("0+$", "");
            return (s == 0 ? "-0" : Long.toString(s)) + "." + frac;
        }
        return sec + "." + String.format("%09d", nanos).replaceAll("0+$", "");
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] utf8(String s) {
        return io.imgtool.ext4.internal.Names.encode(s);
    }
}
