package io.imgtool.qcow2;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.core.ImageFormatException;
import io.imgtool.core.RawFileDevice;
import io.imgtool.core.UnsupportedFeatureException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Opens a disk image file as the guest-visible {@link BlockDevice}, whatever container holds it:
 * qcow2 (recognised by its magic) or raw. {@link #open(Path, Format, boolean)} takes the format from
 * the caller and never looks at the content.
 *
 * <p>Backing files follow qemu's rules, with one safety rule more: a backing file whose format its
 * overlay does not name is probed, and if the probe says qcow2, that image may not name a backing
 * file of its own, since a raw guest disk could fake such a header to read any host file.
 */
public final class DiskImage {

    /** The containers imgtool reads. */
    public enum Format {
        QCOW2, RAW;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Format of(String name) throws ImageException {
            switch (name.toLowerCase(Locale.ROOT)) {
                case "qcow2": return QCOW2;
                case "raw": return RAW;
                default: throw new UnsupportedFeatureException("image", "format " + name, "imgtool reads qcow2 and raw");
            }
        }
    }

    private DiskImage() {
    }

    /** The format of a file by its content: qcow2 by magic, everything else raw. */
    public static Format probe(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString());
        }
        byte[] m = new byte[4];
        try (InputStream in = Files.newInputStream(path)) {
            if (in.readNBytes(m, 0, 4) == 4 && (m[0] & 0xff) == 'Q' && (m[1] & 0xff) == 'F' && (m[2] & 0xff) == 'I'
                    && (m[3] & 0xff) == 0xfb) {
                return Format.QCOW2;
            }
        }
        return Format.RAW;
    }

    /** Opens {@code path}, probing its format. Writable opens take an exclusive lock. */
    public static BlockDevice open(Path path, boolean writable) throws IOException {
        return open(path, probe(path), writable);
    }

    /** Opens {@code path} as {@code format}, without probing. */
    public static BlockDevice open(Path path, Format format, boolean writable) throws IOException {
        if (format == Format.QCOW2) {
            return Qcow2Image.open(path, writable);
        }
        return RawFileDevice.open(path, writable);
    }

    /** A backing device and the format it was opened as. */
    record Opened(BlockDevice device, String format) {
    }

    /** Registers one more image of a chain: depth limit, loop detection. */
    static void enterChain(Path path, int depth, Set<Path> seen) throws IOException {
        if (depth > Qcow2Image.MAX_CHAIN_DEPTH) {
            throw new ImageFormatException("qcow2 backing chain", "depth", -1, depth,
                    "deeper than " + Qcow2Image.MAX_CHAIN_DEPTH + " images at " + path);
        }
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString());
        }
        Path real = path.toRealPath();
        if (!seen.add(real)) {
            throw new ImageFormatException("qcow2 backing chain", "backing_file", -1, path,
                    "backing loop: " + real + " is already part of this chain");
        }
    }

    /** Opens the backing file {@code name} of {@code overlay} read-only. */
    static Opened openBacking(Path overlay, String name, String format, int depth, Set<Path> seen) throws IOException {
        if (name.isEmpty()) {
            throw new ImageFormatException("qcow2 header", "backing_file", 8, "\"\"", "empty backing file name");
        }
        int colon = name.indexOf(':');
        int slash = name.indexOf('/');
        // Like qemu: a colon before any slash makes the name a protocol ("nbd:", "json:", "https://").
        if (colon > 0 && (slash < 0 || colon < slash)) {
            throw new UnsupportedFeatureException("qcow2 header", "backing file protocol",
                    "backing file '" + name + "' is not a plain file name");
        }
        Path p = Path.of(name);
        if (!p.isAbsolute()) {
            Path dir = overlay.toAbsolutePath().getParent();
            p = dir == null ? p : dir.resolve(name);
        }
        if (!Files.exists(p)) {
            throw new NoSuchFileException(p.toString(), null, "backing file of " + overlay + " not found");
        }
        if (format == null) {
            if (probe(p) == Format.QCOW2) {
                return new Opened(Qcow2Image.open(p, false, depth, seen, true), "qcow2");
            }
            enterChain(p, depth, seen);
            return new Opened(RawFileDevice.open(p, false), "raw");
        }
        switch (format) {
            case "qcow2": {
                if (probe(p) != Format.QCOW2) {
                    throw new ImageFormatException("qcow2 header", "backing format", -1, format,
                            "backing file " + p + " is not a qcow2 image");
                }
                return new Opened(Qcow2Image.open(p, false, depth, seen, false), "qcow2");
            }
            case "raw":
                enterChain(p, depth, seen);
                return new Opened(RawFileDevice.open(p, false), "raw");
            default:
                throw new UnsupportedFeatureException("qcow2 header", "backing format " + format,
                        "imgtool reads qcow2 and raw backing files");
        }
    }

    static Set<Path> newChain() {
        return new HashSet<>();
    }
}
