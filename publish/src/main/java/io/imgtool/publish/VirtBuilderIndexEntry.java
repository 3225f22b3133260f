package io.imgtool.publish;

import io.imgtool.core.ImageException;
import io.imgtool.core.ImageFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.tukaani.xz.SeekableFileInputStream;
import org.tukaani.xz.SeekableXZInputStream;
import org.tukaani.xz.XZIOException;

/**
 * One template entry of a virt-builder repository index (virt-builder(1), "Creating and signing the
 * index file"), ready to be appended to {@code index} and clearsigned into {@code index.asc}.
 *
 * <pre>{@code
 * VirtBuilderIndexEntry e = VirtBuilderIndexEntry.forXzImage(Path.of("debian-12.raw.xz"))
 *         .osVersion("debian-12").name("Debian 12 (golden)").arch("x86_64")
 *         .revision(3).expand("/dev/sda1").build();
 * Files.writeString(index, e.text(), StandardOpenOption.APPEND);
 * }</pre>
 *
 * @param osVersion the section name, used as {@code virt-builder OS-VERSION}
 * @param name the display name, or null
 * @param osinfo the libosinfo ID, or null
 * @param arch the guest architecture (required by virt-builder)
 * @param file the template's path relative to the index
 * @param sha512 the SHA-512 of the compressed file, lowercase hex
 * @param format the image format before compression: raw or qcow2
 * @param size the virtual (uncompressed) size in bytes
 * @param compressedSize the size of {@code file} in bytes
 * @param revision the template revision (1 and up; raising it makes clients download again)
 * @param expand the guest partition virt-resize should grow ("/dev/sda3"), or null
 * @param notes free text, may span lines, or null
 * @param aliases other names for the template (may be empty)
 */
public record VirtBuilderIndexEntry(String osVersion, String name, String osinfo, String arch, String file,
                                    String sha512, String format, long size, long compressedSize, int revision,
                                    String expand, String notes, List<String> aliases) {

    private static final Pattern SECTION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._/+-]+");
    private static final Pattern HEX512 = Pattern.compile("[0-9a-f]{128}");

    public VirtBuilderIndexEntry {
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
        require(osVersion != null && SECTION.matcher(osVersion).matches(), "os-version",
                osVersion, "letters, digits, '.', '_' and '-' only");
        require(arch != null && TOKEN.matcher(arch).matches(), "arch", arch, "required, one word");
        require(file != null && TOKEN.matcher(file).matches() && !file.startsWith("/") && !file.contains("..")
                && !file.contains("://"), "file", file, "a relative path without '..' (same-origin rule)");
        require(sha512 != null && HEX512.matcher(sha512).matches(), "checksum[sha512]", sha512, "128 lowercase hex digits");
        require("raw".equals(format) || "qcow2".equals(format), "format", format, "raw or qcow2");
        require(size > 0, "size", size, "must be positive");
        require(compressedSize > 0, "compressed_size", compressedSize, "must be positive");
        require(revision >= 1, "revision", revision, "must be 1 or more");
        require(expand == null || (TOKEN.matcher(expand).matches() && expand.startsWith("/dev/")), "expand", expand,
                "a guest device such as /dev/sda3");
        require(name == null || oneLine(name), "name", name, "one line");
        require(osinfo == null || TOKEN.matcher(osinfo).matches(), "osinfo", osinfo, "one word");
        for (String a : aliases) {
            require(SECTION.matcher(a).matches(), "aliases", a, "letters, digits, '.', '_' and '-' only");
        }
    }

    private static boolean oneLine(String s) {
        return !s.isBlank() && s.chars().noneMatch(c -> c == '\n' || c == '\r');
    }

    private static void require(boolean ok, String field, Object value, String rule) {
        if (!ok) {
            throw new IllegalArgumentException("virt-builder index: " + field + " = '" + value + "': " + rule);
        }
    }

    /**
     * The entry as index text: the section header, one {@code key=value} line per field, notes
     * continued on lines that start with a space, and a blank line after the entry. Blank lines inside
     * the notes are dropped: virt-builder would need a line holding a single space there, and a
     * clearsignature does not sign spaces at the end of a line, so the index could not be signed
     * exactly.
     */
    public String text() {
        StringBuilder sb = new StringBuilder();
        sb.append('[').append(osVersion).append("]\n");
        if (name != null) {
            sb.append("name=").append(name).append('\n');
        }
        if (osinfo != null) {
            sb.append("osinfo=").append(osinfo).append('\n');
        }
        sb.append("arch=").append(arch).append('\n');
        sb.append("file=").append(file).append('\n');
        sb.append("checksum[sha512]=").append(sha512).append('\n');
        sb.append("format=").append(format).append('\n');
        sb.append("size=").append(size).append('\n');
        sb.append("compressed_size=").append(compressedSize).append('\n');
        sb.append("revision=").append(revision).append('\n');
        if (expand != null) {
            sb.append("expand=").append(expand).append('\n');
        }
        if (!aliases.isEmpty()) {
            sb.append("aliases=").append(String.join(" ", aliases)).append('\n');
        }
        if (notes != null && !notes.isBlank()) {
            String[] lines = notes.strip().replace("\r\n", "\n").split("\n", -1);
            sb.append("notes=").append(lines[0].stripTrailing()).append('\n');
            for (int i = 1; i < lines.length; i++) {
                String l = lines[i].stripTrailing();
                if (!l.isEmpty()) {
                    sb.append(' ').append(l).append('\n');
                }
            }
        }
        sb.append('\n');
        return sb.toString();
    }

    /**
     * Starts an entry for an xz-compressed template: reads its uncompressed size from the xz index,
     * its SHA-512 and its size; {@code file} is its base name.
     */
    public static Builder forXzImage(Path xz) throws IOException {
        long size;
        try (SeekableXZInputStream in = new SeekableXZInputStream(new SeekableFileInputStream(xz.toFile()))) {
            size = in.length();
        } catch (XZIOException | java.io.EOFException e) {
            throw new ImageFormatException(xz.toString(), "xz index", -1, null, "not a valid .xz file: " + e.getMessage());
        }
        if (size <= 0) {
            throw ImageException.invalidArgument(xz + " decompresses to nothing");
        }
        FileDigest d = Checksums.builder().algorithm(HashAlgorithm.SHA512).build().digest(xz);
        return new Builder().file(xz.getFileName().toString()).sha512(d.digest()).size(size)
                .compressedSize(Files.size(xz));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds an entry; {@link VirtBuilderIndexEntry}'s constructor validates every field. */
    public static final class Builder {
        private String osVersion;
        private String name;
        private String osinfo;
        private String arch = "x86_64";
        private String file;
        private String sha512;
        private String format = "raw";
        private long size;
        private long compressedSize;
        private int revision = 1;
        private String expand;
        private String notes;
        private List<String> aliases = List.of();

        private Builder() {
        }

        public Builder osVersion(String v) {
            this.osVersion = v;
            return this;
        }

        public Builder name(String v) {
            this.name = v;
            return this;
        }

        public Builder osinfo(String v) {
            this.osinfo = v;
            return this;
        }

        /** Default x86_64. */
        public Builder arch(String v) {
            this.arch = v;
            return this;
        }

        public Builder file(String v) {
            this.file = v;
            return this;
        }

        public Builder sha512(String v) {
            this.sha512 = v;
            return this;
        }

        /** Default raw. */
        public Builder format(String v) {
            this.format = v;
            return this;
        }

        public Builder size(long v) {
            this.size = v;
            return this;
        }

        public Builder compressedSize(long v) {
            this.compressedSize = v;
            return this;
        }

        /** Default 1. */
        public Builder revision(int v) {
            this.revision = v;
            return this;
        }

        public Builder expand(String v) {
            this.expand = v;
            return this;
        }

        public Builder notes(String v) {
            this.notes = v;
            return this;
        }

        public Builder aliases(List<String> v) {
            this.aliases = Objects.requireNonNull(v);
            return this;
        }

        public VirtBuilderIndexEntry build() {
            return new VirtBuilderIndexEntry(osVersion, name, osinfo, arch, file, sha512, format, size, compressedSize,
                    revision, expand, notes, aliases);
        }
    }
}
