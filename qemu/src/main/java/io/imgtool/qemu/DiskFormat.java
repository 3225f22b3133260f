package io.imgtool.qemu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The container format of the disk image, always passed to QEMU explicitly: QEMU's own probing
 * would let a guest that writes a qcow2 header into a raw disk turn it into a qcow2 file with a
 * backing file of its choosing on the next start.
 */
public enum DiskFormat {
    RAW, QCOW2;

    private static final byte[] QCOW2_MAGIC = {'Q', 'F', 'I', (byte) 0xfb};

    /** The name QEMU uses ({@code format=qcow2}). */
    public String qemuName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses "raw" or "qcow2". */
    public static DiskFormat of(String name) {
        for (DiskFormat f : values()) {
            if (f.qemuName().equalsIgnoreCase(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown disk format '" + name + "' (raw or qcow2)");
    }

    /**
     * Tells the format of an image the user handed in, by the qcow2 magic: a file that does not start
     * with "QFI\xfb" is raw. Done once, by imgtool, before any guest has written to the image.
     */
    public static DiskFormat detect(Path image) throws IOException {
        try (InputStream in = Files.newInputStream(image)) {
            byte[] head = in.readNBytes(4);
            return Arrays.equals(head, QCOW2_MAGIC) ? QCOW2 : RAW;
        }
    }
}
