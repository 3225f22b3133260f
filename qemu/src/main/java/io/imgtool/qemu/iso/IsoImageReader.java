package io.imgtool.qemu.iso;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageFormatException;
import io.imgtool.core.UnsupportedFeatureException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the root directory of an ISO 9660 image (with Joliet names when present) and the files in
 * it: enough to check a NoCloud seed, imgtool's own or one genisoimage or xorriso made. Everything
 * read from the image is bounded and checked before use.
 */
public final class IsoImageReader {

    /** Largest root directory read (a seed's holds a handful of records). */
    static final long MAX_DIRECTORY = 1L << 20;
    /** Descriptors read before giving up on finding the terminator. */
    static final int MAX_DESCRIPTORS = 64;

    private final BlockDevice device;
    private final String volumeId;
    private final boolean joliet;
    private final long volumeSectors;
    private final List<IsoFile> files;

    /** A file or directory of the root directory. */
    public record IsoFile(String name, boolean directory, long extent, long length) {
    }

    private IsoImageReader(BlockDevice device, String volumeId, boolean joliet, long volumeSectors,
                           List<IsoFile> files) {
        this.device = device;
        this.volumeId = volumeId;
        this.joliet = joliet;
        this.volumeSectors = volumeSectors;
        this.files = List.copyOf(files);
    }

    /** Reads the descriptors and the root directory of the image on {@code device} (not closed here). */
    public static IsoImageReader open(BlockDevice device) throws IOException {
        long size = device.size();
        VolumeDescriptor primary = null;
        VolumeDescriptor jolietVd = null;
        long primaryAt = -1;
        long jolietAt = -1;
        boolean terminated = false;
        for (int i = 0; i < MAX_DESCRIPTORS; i++) {
            long at = (16L + i) * IsoImageWriter.SECTOR;
            if (at + VolumeDescriptor.SIZE > size) {
                throw new ImageFormatException("ISO 9660 volume descriptor set", at,
                        "truncated: the image ends (" + size + " bytes) before the set terminator");
            }
            VolumeDescriptor vd = VolumeDescriptor.parse(ByteBuffer.wrap(device.readBytes(at, VolumeDescriptor.SIZE)), at);
            if (vd.type() == VolumeDescriptor.TYPE_TERMINATOR) {
                terminated = true;
                break;
            }
            if (vd.type() == VolumeDescriptor.TYPE_PRIMARY && primary == null) {
                primary = vd;
                primaryAt = at;
            } else if (vd.isJoliet() && jolietVd == null) {
                jolietVd = vd;
                jolietAt = at;
            }
        }
        if (!terminated) {
            throw new ImageFormatException("ISO 9660 volume descriptor set", 16L * IsoImageWriter.SECTOR,
                    "no set terminator within " + MAX_DESCRIPTORS + " descriptors");
        }
        if (primary == null) {
            throw new ImageFormatException("ISO 9660 volume descriptor set", 16L * IsoImageWriter.SECTOR,
                    "no primary volume descriptor");
        }
        if (primary.logicalBlockSize() != IsoImageWriter.SECTOR) {
            throw new UnsupportedFeatureException("ISO 9660 primary volume descriptor",
                    "logical block size " + primary.logicalBlockSize(), "only 2048 is supported");
        }
        long sectors = primary.volumeSpaceSize();
        if (sectors * IsoImageWriter.SECTOR > size) {
            throw new ImageFormatException("ISO 9660 primary volume descriptor", "volume space size",
                    primaryAt + 80, sectors, "the image holds only " + size / IsoImageWriter.SECTOR + " sectors");
        }
        boolean useJoliet = jolietVd != null;
        VolumeDescriptor tree = useJoliet ? jolietVd : primary;
        long treeAt = useJoliet ? jolietAt : primaryAt;
        if (useJoliet && jolietVd.logicalBlockSize() != IsoImageWriter.SECTOR) {
            throw new UnsupportedFeatureException("Joliet volume descriptor",
                    "logical block size " + jolietVd.logicalBlockSize(), "only 2048 is supported");
        }
        DirectoryRecord root = tree.rootRecord(treeAt);
        if (!root.isDirectory()) {
            throw new ImageFormatException("ISO 9660 root directory record", "file flags", treeAt + 156 + 25,
                    root.flags(), "the root is not a directory");
        }
        checkExtent(root, sectors, treeAt + 156);
        if (root.dataLength() > MAX_DIRECTORY) {
            throw new ImageFormatException("ISO 9660 root directory record", "data length", treeAt + 156 + 10,
                    root.dataLength(), "root directory larger than " + MAX_DIRECTORY + " bytes");
        }
        List<IsoFile> files = readDirectory(device, root, sectors, useJoliet);
        return new IsoImageReader(device, primary.volumeIdentifier(), useJoliet, sectors, files);
    }

    private static List<IsoFile> readDirectory(BlockDevice device, DirectoryRecord dir, long sectors, boolean joliet)
            throws IOException {
        long base = dir.extent() * IsoImageWriter.SECTOR;
        int length = (int) dir.dataLength();
        byte[] data = device.readBytes(base, length);
        List<IsoFile> out = new ArrayList<>();
        int pos = 0;
        while (pos < length) {
            int recordLength = data[pos] & 0xff;
            if (recordLength == 0) {                 // padding up to the next sector
                pos = (pos / IsoImageWriter.SECTOR + 1) * IsoImageWriter.SECTOR;
                continue;
            }
            int sectorEnd = Math.min(length, (pos / IsoImageWriter.SECTOR + 1) * IsoImageWriter.SECTOR);
            ByteBuffer buf = ByteBuffer.wrap(data, pos, sectorEnd - pos);
            DirectoryRecord r = DirectoryRecord.parse(buf, base + pos);
            if (!r.isSelfOrParent()) {
                if ((r.flags() & DirectoryRecord.FLAG_MULTI_EXTENT) != 0) {
                    throw new UnsupportedFeatureException("ISO 9660 directory record at offset " + (base + pos),
                            "multi-extent file", null);
                }
                if (r.fileUnitSize() != 0 || r.interleaveGap() != 0) {
                    throw new UnsupportedFeatureException("ISO 9660 directory record at offset " + (base + pos),
                            "interleaved file", null);
                }
                checkExtent(r, sectors, base + pos);
                out.add(new IsoFile(name(r.identifier(), joliet), r.isDirectory(),
                        r.extent() + r.extAttrLength(), r.dataLength()));
            }
            pos += recordLength;
        }
        return out;
    }

    private static void checkExtent(DirectoryRecord r, long sectors, long offset) throws ImageFormatException {
        long start = r.extent() + r.extAttrLength();
        long end = start * IsoImageWriter.SECTOR + r.dataLength();   // fits: 33 bits times 2048 plus 32 bits
        if (r.dataLength() > 0 && (start >= sectors || end > sectors * IsoImageWriter.SECTOR)) {
            throw new ImageFormatException("ISO 9660 directory record", "extent location", offset + 2, r.extent(),
                    "data of " + r.dataLength() + " bytes lies outside the volume of " + sectors + " sectors");
        }
    }

    /** The name as Linux shows it: Joliet UCS-2 or the primary name, without ";1" and a trailing dot. */
    static String name(byte[] id, boolean joliet) {
        String s = joliet ? new String(id, 0, id.length & ~1, StandardCharsets.UTF_16BE)
                : new String(id, StandardCharsets.ISO_8859_1);
        int semi = s.lastIndexOf(';');
        if (semi >= 0) {
            s = s.substring(0, semi);
        }
        if (s.endsWith(".") && s.length() > 1) {
            s = s.substring(0, s.length() - 1);
        }
        return joliet ? s : s.toLowerCase(java.util.Locale.ROOT);
    }

    /** The volume label of the primary descriptor ("cidata"). */
    public String volumeId() {
        return volumeId;
    }

    /** Whether names come from a Joliet tree. */
    public boolean joliet() {
        return joliet;
    }

    public long volumeSectors() {
        return volumeSectors;
    }

    public List<IsoFile> files() {
        return files;
    }

    /** The file called {@code name}, or null. */
    public IsoFile find(String name) {
        return files.stream().filter(f -> f.name().equals(name) && !f.directory()).findFirst().orElse(null);
    }

    /** Reads a file's content; files over 64 MiB are refused. */
    public byte[] read(IsoFile f) throws IOException {
        if (f.length() > 64L << 20) {
            throw new UnsupportedFeatureException("ISO 9660 file " + f.name(), "file over 64 MiB",
                    "imgtool reads seed-sized files only");
        }
        return device.readBytes(f.extent() * IsoImageWriter.SECTOR, (int) f.length());
    }
}
