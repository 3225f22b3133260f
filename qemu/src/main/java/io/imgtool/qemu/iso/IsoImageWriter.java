package io.imgtool.qemu.iso;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Writes a small ISO 9660 image with Joliet names: one root directory holding a few files, as a
 * cloud-init NoCloud seed needs. Reproducible: the same files and timestamp give the same bytes.
 *
 * <p>Layout (2048-byte sectors): 0-15 system area (zero), 16 primary descriptor, 17 Joliet
 * descriptor, 18 terminator, 19-22 the L and M path tables of both trees, then the primary root
 * directory, the Joliet root directory, and the file data, each file from a sector boundary. Both
 * trees point at the same file data. Primary names follow ISO 9660 level 1 (8.3, upper case,
 * {@code ;1}); the Joliet tree carries the real names ("user-data"), which Linux, FreeBSD and Windows
 * read when no Rock Ridge is present.
 */
public final class IsoImageWriter {

    /** Sector size of every ISO 9660 image imgtool writes. */
    public static final int SECTOR = 2048;
    /** Longest Joliet name (the specification's 64 UCS-2 characters). */
    public static final int MAX_NAME = 64;
    /** Upper bound of the whole image, which is built in memory. */
    public static final long MAX_IMAGE = 256L << 20;

    private static final int FIRST_DESCRIPTOR = 16;

    private final String volumeId;
    private final String applicationId;
    private final Instant timestamp;
    private final Map<String, byte[]> files;

    private IsoImageWriter(Builder b) {
        this.volumeId = b.volumeId;
        this.applicationId = b.applicationId;
        this.timestamp = b.timestamp;
        this.files = new LinkedHashMap<>(b.files);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options and content of an image. */
    public static final class Builder {
        private String volumeId = "";
        private String applicationId = "";
        private Instant timestamp = Instant.EPOCH;
        private final Map<String, byte[]> files = new LinkedHashMap<>();
        private long total;

        private Builder() {
        }

        /** The volume label (blkid's LABEL), at most 16 characters; ASCII letters, digits, '_' and '-'. */
        public Builder volumeId(String id) {
            if (id.length() > 16 || !id.matches("[A-Za-z0-9_-]*")) {
                throw new IllegalArgumentException("volume label '" + id
                        + "': at most 16 of A-Z a-z 0-9 _ -");
            }
            this.volumeId = id;
            return this;
        }

        /** The application identifier, at most 64 printable ASCII characters. */
        public Builder applicationId(String id) {
            if (id.length() > 64 || !id.matches("[ -~]*")) {
                throw new IllegalArgumentException("application identifier: at most 64 printable ASCII characters");
            }
            this.applicationId = id;
            return this;
        }

        /** The time stamped on the volume and on every record (UTC, whole seconds). */
        public Builder timestamp(Instant t) {
            IsoDates.checkRange(t);
            this.timestamp = t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
            return this;
        }

        /** Adds a file to the root directory. Names are case-sensitive, unique, without '/'. */
        public Builder file(String name, byte[] content) {
            checkName(name);
            if (files.containsKey(name)) {
                throw new IllegalArgumentException("duplicate file name '" + name + "'");
            }
            total += content.length;
            if (total > MAX_IMAGE / 2) {
                throw new IllegalArgumentException("files larger than " + (MAX_IMAGE / 2 >> 20) + " MiB in total");
            }
            files.put(name, content.clone());
            return this;
        }

        public IsoImageWriter build() {
            return new IsoImageWriter(this);
        }
    }

    static void checkName(String name) {
        if (name.isEmpty() || name.length() > MAX_NAME) {
            throw new IllegalArgumentException("file name '" + name + "': 1 to " + MAX_NAME + " characters");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("file name '" + name + "' is reserved");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            // Joliet forbids these; '/' would be a path.
            if (c < 0x20 || c == '*' || c == '/' || c == ':' || c == ';' || c == '?' || c == '\\'
                    || Character.isSurrogate(c)) {
                throw new IllegalArgumentException("file name '" + name + "' has a character Joliet forbids");
            }
        }
    }

    /** One file as laid out: names in both trees, first sector, length. */
    private record Entry(String name, byte[] primaryId, byte[] jolietId, byte[] data, long extent) {
    }

    /** The image's bytes. */
    public byte[] toByteArray() {
        List<String> names = new ArrayList<>(files.keySet());
        Map<String, byte[]> primaryIds = primaryIdentifiers(names);

        // Directory sizes depend only on the names: lay out the directories first.
        List<String> primaryOrder = new ArrayList<>(names);
        primaryOrder.sort((a, b) -> comparePrimary(primaryIds.get(a), primaryIds.get(b)));
        List<String> jolietOrder = new ArrayList<>(names);
        jolietOrder.sort(Comparator.naturalOrder()); // UTF-16 code unit order is UCS-2 order

        long pathTables = FIRST_DESCRIPTOR + 3;      // L, M primary; L, M Joliet: one sector each
        long primaryRoot = pathTables + 4;
        int primaryRootSectors = directorySectors(primaryOrder.stream().map(primaryIds::get).toList());
        long jolietRoot = primaryRoot + primaryRootSectors;
        List<byte[]> jolietIds = jolietOrder.stream().map(IsoBytes::ucs2).toList();
        int jolietRootSectors = directorySectors(jolietIds);
        long next = jolietRoot + jolietRootSectors;

        Map<String, Entry> entries = new LinkedHashMap<>();
        for (String name : names) {                  // data in insertion order
            byte[] data = files.get(name);
            entries.put(name, new Entry(name, primaryIds.get(name), IsoBytes.ucs2(name), data, next));
            next += sectors(data.length);
        }
        long total = next;
        if (total * SECTOR > MAX_IMAGE) {
            throw new IllegalArgumentException("image of " + total * SECTOR + " bytes exceeds " + MAX_IMAGE);
        }

        ByteBuffer img = ByteBuffer.allocate(Math.toIntExact(total * SECTOR));
        DirectoryRecord pRootRec = DirectoryRecord.of(primaryRoot, (long) primaryRootSectors * SECTOR, timestamp,
                DirectoryRecord.FLAG_DIRECTORY, DirectoryRecord.SELF);
        DirectoryRecord jRootRec = DirectoryRecord.of(jolietRoot, (long) jolietRootSectors * SECTOR, timestamp,
                DirectoryRecord.FLAG_DIRECTORY, DirectoryRecord.SELF);
        PathTableRecord pPath = PathTableRecord.root(primaryRoot);
        PathTableRecord jPath = PathTableRecord.root(jolietRoot);

        img.position(FIRST_DESCRIPTOR * SECTOR);
        VolumeDescriptor.primary(new VolumeDescriptor.Fields(volumeId, applicationId, total, pPath.length(),
                pathTables, pathTables + 1, pRootRec, timestamp)).writeTo(img);
        VolumeDescriptor.joliet(new VolumeDescriptor.Fields(volumeId, applicationId, total, jPath.length(),
                pathTables + 2, pathTables + 3, jRootRec, timestamp)).writeTo(img);
        VolumeDescriptor.terminator().writeTo(img);

        img.position(Math.toIntExact(pathTables * SECTOR));
        pPath.writeTo(img, ByteOrder.LITTLE_ENDIAN);
        img.position(Math.toIntExact((pathTables + 1) * SECTOR));
        pPath.writeTo(img, ByteOrder.BIG_ENDIAN);
        img.position(Math.toIntExact((pathTables + 2) * SECTOR));
        jPath.writeTo(img, ByteOrder.LITTLE_ENDIAN);
        img.position(Math.toIntExact((pathTables + 3) * SECTOR));
        jPath.writeTo(img, ByteOrder.BIG_ENDIAN);

        List<DirectoryRecord> pRecords = new ArrayList<>();
        for (String name : primaryOrder) {
            Entry e = entries.get(name);
            pRecords.add(fileRecord(e, e.primaryId()));
        }
        writeDirectory(img, primaryRoot, pRootRec, pRecords);
        List<DirectoryRecord> jRecords = new ArrayList<>();
        for (String name : jolietOrder) {
            Entry e = entries.get(name);
            jRecords.add(fileRecord(e, e.jolietId()));
        }
        writeDirectory(img, jolietRoot, jRootRec, jRecords);

        for (Entry e : entries.values()) {
            img.position(Math.toIntExact(e.extent() * SECTOR));
            img.put(e.data());
        }
        return img.array();
    }

    private DirectoryRecord fileRecord(Entry e, byte[] id) {
        return DirectoryRecord.of(e.extent(), e.data().length, timestamp, 0, id);
    }

    /** Writes "." and ".." (the root is its own parent) and the records, none crossing a sector boundary. */
    private void writeDirectory(ByteBuffer img, long sector, DirectoryRecord self, List<DirectoryRecord> records) {
        DirectoryRecord parent = DirectoryRecord.of(self.extent(), self.dataLength(), timestamp,
                DirectoryRecord.FLAG_DIRECTORY, DirectoryRecord.PARENT);
        List<DirectoryRecord> all = new ArrayList<>();
        all.add(self);
        all.add(parent);
        all.addAll(records);
        long base = sector * SECTOR;
        int used = 0;
        for (DirectoryRecord r : all) {
            if (used % SECTOR + r.length() > SECTOR) {
                used += SECTOR - used % SECTOR;      // the rest of the sector stays zero
            }
            img.position(Math.toIntExact(base + used));
            r.writeTo(img);
            used += r.length();
        }
    }

    private static int directorySectors(List<byte[]> ids) {
        int used = 2 * 34;                            // "." and ".."
        for (byte[] id : ids) {
            int len = DirectoryRecord.FIXED_SIZE + id.length + ((id.length & 1) == 0 ? 1 : 0);
            if (used % SECTOR + len > SECTOR) {
                used += SECTOR - used % SECTOR;
            }
            used += len;
        }
        return (int) sectors(used);
    }

    private static long sectors(long bytes) {
        return (bytes + SECTOR - 1) / SECTOR;
    }

    /**
     * ISO 9660 level 1 names: at most 8 d-characters, a dot, at most 3, then ";1". Characters outside
     * A-Z 0-9 _ become '_'; a collision gets a number at the end of the name part.
     */
    static Map<String, byte[]> primaryIdentifiers(List<String> names) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        Set<String> used = new HashSet<>();
        for (String name : names) {
            int dot = name.lastIndexOf('.');
            String base = dot > 0 ? name.substring(0, dot) : name;
            String ext = dot > 0 ? name.substring(dot + 1) : "";
            base = dChars(base, 8);
            ext = dChars(ext, 3);
            if (base.isEmpty()) {
                base = "_";
            }
            String candidate = base + "." + ext;
            for (int n = 1; !used.add(candidate); n++) {
                String suffix = Integer.toString(n);
                candidate = base.substring(0, Math.min(base.length(), 8 - suffix.length())) + suffix + "." + ext;
            }
            out.put(name, (candidate + ";1").getBytes(StandardCharsets.US_ASCII));
        }
        return out;
    }

    private static String dChars(String s, int max) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toUpperCase(Locale.ROOT).toCharArray()) {
            if (sb.length() == max) {
                break;
            }
            sb.append((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ? c : '_');
        }
        return sb.toString();
    }

    /** ECMA-119 9.3: by name, then extension, each padded with spaces. */
    static int comparePrimary(byte[] a, byte[] b) {
        String sa = new String(a, StandardCharsets.US_ASCII);
        String sb = new String(b, StandardCharsets.US_ASCII);
        String[] pa = split(sa);
        String[] pb = split(sb);
        int c = padCompare(pa[0], pb[0]);
        return c != 0 ? c : padCompare(pa[1], pb[1]);
    }

    private static String[] split(String id) {
        String s = id.endsWith(";1") ? id.substring(0, id.length() - 2) : id;
        int dot = s.indexOf('.');
        return dot < 0 ? new String[] {s, ""} : new String[] {s.substring(0, dot), s.substring(dot + 1)};
    }

    private static int padCompare(String a, String b) {
        int n = Math.max(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char ca = i < a.length() ? a.charAt(i) : ' ';
            char cb = i < b.length() ? b.charAt(i) : ' ';
            if (ca != cb) {
                return Character.compare(ca, cb);
            }
        }
        return 0;
    }
}
