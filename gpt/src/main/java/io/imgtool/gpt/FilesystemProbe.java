package io.imgtool.gpt;

import io.imgtool.core.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A small, blkid-like signature probe: what filesystem (or container) starts at offset 0 of a
 * device, with its label and UUID as {@code blkid -p} would print them. Reads the first 68 KiB
 * once. Knows ext2/3/4 (and an external ext journal), vfat, swap, xfs, btrfs, iso9660, LVM2 physical
 * volumes and LUKS; names are blkid's TYPE values.
 *
 * <p>It lives in the partition module because that is where "what is inside this partition" is
 * asked ({@code part list}, {@code label --root}); it depends on nothing but {@link BlockDevice},
 * so guest inspection can use it on any slice as well. It identifies, it does not validate: a
 * match says where to look, not that the filesystem is intact.
 */
public final class FilesystemProbe {

    /**
     * What the probe found.
     *
     * @param type blkid's TYPE: ext2, ext3, ext4, jbd, vfat, swap, xfs, btrfs, iso9660, LVM2_member, crypto_LUKS
     * @param label the volume label, empty when there is none
     * @param uuid the UUID in blkid's text form, empty when the format has none
     */
    public record Info(String type, String label, String uuid) {
    }

    /** How much the probe reads: up to and past the btrfs superblock at 64 KiB. */
    static final int PROBE_BYTES = 0x10000 + 0x1000;

    private FilesystemProbe() {
    }

    /** Probes the start of {@code dev}; empty when nothing known is found. */
    public static Optional<Info> probe(BlockDevice dev) throws IOException {
        int n = (int) Math.min(PROBE_BYTES, dev.size());
        byte[] b = dev.readBytes(0, n);
        return probe(b);
    }

    /** Probes a buffer holding the first bytes of a device (up to {@value #PROBE_BYTES}). */
    public static Optional<Info> probe(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        Info i = luks(b);
        if (i == null) {
            i = lvm(b);
        }
        if (i == null) {
            i = xfs(b);
        }
        if (i == null) {
            i = ext(b);
        }
        if (i == null) {
            i = btrfs(b);
        }
        if (i == null) {
            i = swap(b);
        }
        if (i == null) {
            i = iso9660(b);
        }
        if (i == null) {
            i = vfat(b);
        }
        return Optional.ofNullable(i);
    }

    private static boolean has(ByteBuffer b, int off, String magic) {
        byte[] m = magic.getBytes(StandardCharsets.ISO_8859_1);
        if (off + m.length > b.limit()) {
            return false;
        }
        for (int i = 0; i < m.length; i++) {
            if (b.get(off + i) != m[i]) {
                return false;
            }
        }
        return true;
    }

    /** A NUL-terminated (or full-length) string, trailing NULs and, if asked, spaces removed. */
    private static String text(ByteBuffer b, int off, int len, boolean trimSpaces, java.nio.charset.Charset cs) {
        int end = off;
        while (end < off + len && b.get(end) != 0) {
            end++;
        }
        byte[] raw = new byte[end - off];
        b.get(off, raw);
        String s = new String(raw, cs);
        if (trimSpaces) {
            s = s.stripTrailing();
        }
        return s;
    }

    private static String uuid(ByteBuffer b, int off) {
        StringBuilder sb = new StringBuilder(36);
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                sb.append('-');
            }
            sb.append(String.format("%02x", b.get(off + i) & 0xff));
        }
        return sb.toString();
    }

    // ext2/3/4: superblock at 1024, s_magic 0xEF53 at 0x38; features decide the name as blkid does.
    private static Info ext(ByteBuffer b) {
        int sb = 1024;
        if (sb + 0x100 > b.limit() || (b.getShort(sb + 0x38) & 0xffff) != 0xEF53) {
            return null;
        }
        int compat = b.getInt(sb + 0x5C);
        int incompat = b.getInt(sb + 0x60);
        int roCompat = b.getInt(sb + 0x64);
        String type;
        if ((incompat & 0x0008) != 0) {
            type = "jbd";
        } else if ((incompat & ~(0x0002 | 0x0004 | 0x0010)) != 0 || (roCompat & ~(0x0001 | 0x0002 | 0x0004)) != 0) {
            type = "ext4";
        } else if ((compat & 0x0004) != 0) {
            type = "ext3";
        } else {
            type = "ext2";
        }
        return new Info(type, text(b, sb + 0x78, 16, false, StandardCharsets.UTF_8), uuid(b, sb + 0x68));
    }

    // xfs: "XFSB" at 0, sb_uuid at 32, sb_fname[12] at 108.
    private static Info xfs(ByteBuffer b) {
        if (!has(b, 0, "XFSB") || b.limit() < 120) {
            return null;
        }
        return new Info("xfs", text(b, 108, 12, false, StandardCharsets.UTF_8), uuid(b, 32));
    }

    // btrfs: superblock at 64 KiB, "_BHRfS_M" at +0x40, fsid at +0x20, label[256] at +0x12B.
    private static Info btrfs(ByteBuffer b) {
        int sb = 0x10000;
        if (!has(b, sb + 0x40, "_BHRfS_M") || sb + 0x12B + 256 > b.limit()) {
            return null;
        }
        return new Info("btrfs", text(b, sb + 0x12B, 256, false, StandardCharsets.UTF_8), uuid(b, sb + 0x20));
    }

    // Linux swap: "SWAPSPACE2" ends the first page (4 to 64 KiB pages); uuid at 1036, label at 1052.
    private static Info swap(ByteBuffer b) {
        for (int page = 4096; page <= 65536; page <<= 1) {
            if (has(b, page - 10, "SWAPSPACE2")) {
                return new Info("swap", text(b, 1052, 16, false, StandardCharsets.UTF_8), uuid(b, 1036));
            }
            if (has(b, page - 10, "SWAP-SPACE")) {
                return new Info("swap", "", "");
            }
        }
        return null;
    }

    // iso9660: primary volume descriptor at 32 KiB, "CD001" at +1, volume identifier at +40 (32 bytes).
    private static Info iso9660(ByteBuffer b) {
        if (!has(b, 0x8001, "CD001")) {
            return null;
        }
        return new Info("iso9660", text(b, 0x8028, 32, true, StandardCharsets.ISO_8859_1), "");
    }

    // LVM2: "LABELONE" in one of the first four 512-byte sectors, "LVM2 001" at +24, PV UUID at +32+offset.
    private static Info lvm(ByteBuffer b) {
        for (int s = 0; s < 4; s++) {
            int off = s * 512;
            if (has(b, off, "LABELONE") && has(b, off + 24, "LVM2 001")) {
                int pvh = off + b.getInt(off + 20);
                if (pvh < off || pvh + 32 > b.limit()) {
                    return new Info("LVM2_member", "", "");
                }
                String raw = text(b, pvh, 32, false, StandardCharsets.ISO_8859_1);
                return new Info("LVM2_member", "", lvmUuid(raw));
            }
        }
        return null;
    }

    /** LVM prints its 32-character ids in groups of 6-4-4-4-4-4-6. */
    private static String lvmUuid(String raw) {
        if (raw.length() != 32) {
            return raw;
        }
        int[] groups = {6, 4, 4, 4, 4, 4, 6};
        StringBuilder sb = new StringBuilder();
        int p = 0;
        for (int g : groups) {
            sb.append(sb.length() == 0 ? "" : "-").append(raw, p, p + g);
            p += g;
        }
        return sb.toString();
    }

    // LUKS 1 and 2: "LUKS" BA BE at 0, version (big-endian) at 6, UUID string at 168; LUKS2 label at 24.
    private static Info luks(ByteBuffer b) {
        if (!has(b, 0, "LUKS\u00ba\u00be") || b.limit() < 208) {
            return null;
        }
        int version = b.duplicate().order(ByteOrder.BIG_ENDIAN).getShort(6) & 0xffff;
        String label = version == 2 ? text(b, 24, 48, false, StandardCharsets.UTF_8) : "";
        return new Info("crypto_LUKS", label, text(b, 168, 40, false, StandardCharsets.ISO_8859_1));
    }

    // vfat: a sane BIOS parameter block and "FAT" in the filesystem-type field of FAT12/16 or FAT32.
    private static Info vfat(ByteBuffer b) {
        if (b.limit() < 512) {
            return null;
        }
        int bytesPerSector = b.getShort(0x0B) & 0xffff;
        int sectorsPerCluster = b.get(0x0D) & 0xff;
        int reserved = b.getShort(0x0E) & 0xffff;
        int fats = b.get(0x10) & 0xff;
        int media = b.get(0x15) & 0xff;
        if (Integer.bitCount(bytesPerSector) != 1 || bytesPerSector < 512 || bytesPerSector > 4096
                || Integer.bitCount(sectorsPerCluster) != 1 || reserved == 0 || fats == 0
                || (media < 0xF8 && media != 0xF0)) {
            return null;
        }
        boolean fat32 = (b.getShort(0x16) & 0xffff) == 0;
        int serial = fat32 ? 0x43 : 0x27;
        int labelOff = fat32 ? 0x47 : 0x2B;
        if (!(fat32 ? has(b, 0x52, "FAT") : has(b, 0x36, "FAT"))) {
            return null;
        }
        String label = text(b, labelOff, 11, true, StandardCharsets.ISO_8859_1);
        if (label.equals("NO NAME")) {
            label = "";
        }
        String uuid = String.format("%02X%02X-%02X%02X", b.get(serial + 3) & 0xff, b.get(serial + 2) & 0xff,
                b.get(serial + 1) & 0xff, b.get(serial) & 0xff);
        return new Info("vfat", label, uuid);
    }
}
