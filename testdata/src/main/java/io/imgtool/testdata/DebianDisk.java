package io.imgtool.testdata;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A raw disk image of a Debian tree laid out like Debian's own cloud images (genericcloud): GPT with
 * partition 14 BIOS boot (2048..8191), partition 15 an ESP (vfat, 8192..262143) and partition 1 the
 * root ext4 (from sector 262144 to the end), made by the reference tools: sgdisk, mkfs.vfat and
 * mtools (GRUB's {@code EFI/debian/grub.cfg}, which names the root filesystem by UUID),
 * {@code mkfs.ext4 -d}. GUIDs and UUIDs are fixed, so the same tree gives the same image.
 */
public final class DebianDisk {

    /** First sector of the root partition. */
    public static final long ROOT_START_SECTOR = 262144;
    public static final String DISK_GUID = "5C3E0F5B-9D2E-4C1A-8F7B-1A2B3C4D5E6F";
    public static final String ROOT_PARTUUID = "6E2C1B7A-3F4D-4E5A-9B8C-7D6E5F4A3B2C";

    private DebianDisk() {
    }

    /** Writes {@code out} (must not exist): a sparse raw disk of {@code size} bytes holding {@code tree}. */
    public static void build(Path tree, Path out, long size) throws IOException {
        if (size % (1 << 20) != 0 || size < (512L << 20)) {
            throw new IllegalArgumentException("size must be whole MiB, at least 512 MiB");
        }
        try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "rw")) {
            f.setLength(size);
        }
        ReferenceTools.runOk("sgdisk", "-U", DISK_GUID,
                "-n", "14:2048:8191", "-t", "14:ef02", "-u", "14:0D4B2A1C-5E6F-4A7B-8C9D-0E1F2A3B4C5D",
                "-n", "15:8192:262143", "-t", "15:ef00", "-u", "15:7A6B5C4D-3E2F-4A1B-9C8D-7E6F5A4B3C2D",
                "-n", "1:" + ROOT_START_SECTOR + ":0", "-t", "1:8300", "-u", "1:" + ROOT_PARTUUID, out.toString());
        long espKiB = (262144 - 8192) / 2;
        ReferenceTools.runOk("mkfs.vfat", "-F", "16", "-i", UsedDebian.ESP_UUID.replace("-", ""), "-n", "EFI", "--offset", "8192",
                out.toString(), Long.toString(espKiB));
        // GRUB's UEFI stub configuration on the ESP names the root filesystem by UUID.
        String esp = out + "@@" + (8192L * 512);
        java.nio.file.Path cfg = java.nio.file.Files.createTempFile("grub", ".cfg");
        try {
            java.nio.file.Files.writeString(cfg, UsedDebian.espGrubCfg());
            ReferenceTools.runOk("mmd", "-i", esp, "::EFI", "::EFI/debian");
            ReferenceTools.runOk("mcopy", "-i", esp, cfg.toString(), "::EFI/debian/grub.cfg");
        } finally {
            java.nio.file.Files.delete(cfg);
        }
        long rootStart = ROOT_START_SECTOR * 512;
        long rootEnd = size - 34 * 512;                       // backup GPT
        long rootKiB = (rootEnd - rootStart) / 4096 * 4;
        ReferenceTools.run(Duration.ofMinutes(15), null, "mkfs.ext4", "-q", "-F", "-U", UsedDebian.ROOT_UUID,
                "-E", "offset=" + rootStart, "-d", tree.toString(), out.toString(), rootKiB + "k").assertOk();
    }

    /** {@code DebianDisk OUT [SIZE_MIB [clean|used]]}: writes the disk image of the (built when missing) tree. */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: DebianDisk OUT [SIZE_MIB [clean|used]]");
            System.exit(2);
        }
        long size = (args.length > 1 ? Long.parseLong(args[1]) : 4096) << 20;
        Path tree = args.length > 2 && args[2].equals("clean") ? DebianGuest.cleanTree() : DebianGuest.usedTree();
        build(tree, Path.of(args[0]), size);
        System.out.println(args[0]);
    }
}
