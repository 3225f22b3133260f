package io.imgtool.sysprep.inspect;

import io.imgtool.testdata.ReferenceTools;
import io.imgtool.sysprep.sample.UsedGuestTree;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * Small guest disk images of a {@link UsedGuestTree} tree made by the reference tools (sgdisk, sfdisk,
 * mkfs.ext4 -d, mkfs.vfat, mkswap), with fixed UUIDs: a GPT disk whose fstab assembles the guest from
 * five partitions, an MBR disk, a bare filesystem, and a disk whose fstab names a missing partition.
 */
public final class TestImages {

    public static final String ROOT_UUID = "11111111-2222-4333-8444-555555555555";
    public static final String VAR_UUID = "66666666-7777-4888-9999-aaaaaaaaaaaa";
    public static final String HOME_UUID = "bbbbbbbb-cccc-4ddd-8eee-ffffffffffff";
    public static final String VAR_PARTUUID = "0a0b0c0d-1e1f-4a2b-8c3d-4e5f60718293";
    public static final String ESP_ID = "1234-ABCD";
    public static final String MISSING_UUID = "deadbeef-0000-4000-8000-000000000000";
    static final long MIB = 1 << 20;

    private TestImages() {
    }

    /**
     * GPT: 1 BIOS boot (1 MiB at 1 MiB), 2 ESP vfat (32 MiB), 3 root ext4 (64 MiB), 4 /var ext4 (48 MiB, by
     * PARTUUID), 5 /home ext4 (16 MiB, LABEL=home), 6 swap (8 MiB, PARTLABEL=swap), 8 MiB unpartitioned
     * before partition 6; fstab also names a tmpfs and a missing nofail filesystem.
     */
    public static Path gptMulti(Path dir, UsedGuestTree guest) throws IOException {
        Path root = dir.resolve("root");
        Path var = dir.resolve("var");
        Path home = dir.resolve("home");
        Files.createDirectories(root);
        guest.build(root);
        moveChildren(root.resolve("var"), var);
        moveChildren(root.resolve("home"), home);
        Files.createDirectories(root.resolve("boot/efi"));
        Files.createDirectories(root.resolve("data"));
        Files.writeString(root.resolve("etc/fstab"), String.join("\n",
                "# <file system> <mount point> <type> <options> <dump> <pass>",
                "UUID=" + ROOT_UUID + " / ext4 errors=remount-ro 0 1",
                "PARTUUID=" + VAR_PARTUUID + " /var ext4 defaults 0 2",
                "LABEL=home /home ext4 defaults 0 2",
                "/dev/vda2 /boot/efi vfat umask=0077 0 1",
                "PARTLABEL=swap none swap sw 0 0",
                "tmpfs /tmp tmpfs defaults 0 0",
                "UUID=" + MISSING_UUID + " /data ext4 defaults,nofail 0 2", ""));
        Path img = dir.resolve("gpt.img");
        sparse(img, 190 * MIB);
        ReferenceTools.runOk("sgdisk", "-U", "5A5A5A5A-0000-4000-8000-000000000001",
                "-n", "1:2048:+1M", "-t", "1:ef02",
                "-n", "2:4096:+32M", "-t", "2:ef00", "-c", "2:EFI",
                "-n", "3:69632:+64M", "-t", "3:8304", "-c", "3:root",
                "-n", "4:200704:+48M", "-t", "4:8300", "-u", "4:" + VAR_PARTUUID,
                "-n", "5:299008:+16M", "-t", "5:8302",
                "-n", "6:348160:+8M", "-t", "6:8200", "-c", "6:swap", img.toString());
        ReferenceTools.runOk("mkfs.vfat", "-F", "16", "-i", ESP_ID.replace("-", ""), "-n", "EFI", "--offset", "4096",
                img.toString(), Long.toString(32 * 1024));
        ext4(img, root, 69632 * 512L, 64 * MIB, ROOT_UUID, "");
        ext4(img, var, 200704 * 512L, 48 * MIB, VAR_UUID, "");
        ext4(img, home, 299008 * 512L, 16 * MIB, HOME_UUID, "home");
        Path swap = dir.resolve("swap.img");
        sparse(swap, 8 * MIB);
        ReferenceTools.runOk("mkswap", "-U", "77777777-8888-4999-aaaa-bbbbbbbbbbbb", "-L", "swap", swap.toString());
        copyInto(swap, img, 348160 * 512L);
        return img;
    }

    /** MBR: one 0x83 partition from 1 MiB, the root ext4 (fstab names it /dev/sda1). */
    public static Path mbr(Path dir, UsedGuestTree guest) throws IOException {
        Path root = dir.resolve("mbr-root");
        Files.createDirectories(root);
        guest.build(root);
        Files.writeString(root.resolve("etc/fstab"), "/dev/sda1 / ext4 defaults 0 1\n");
        Path img = dir.resolve("mbr.img");
        sparse(img, 97 * MIB);
        ReferenceTools.run(Duration.ofMinutes(1), "label: dos\nlabel-id: 0x1a2b3c4d\nstart=2048, size=192512, type=83, bootable\n"
                .getBytes(), "sfdisk", "-q", img.toString()).assertOk();
        ext4(img, root, MIB, 94 * MIB, ROOT_UUID, "");
        return img;
    }

    /** A bare ext4 filesystem (no partition table), fstab naming /dev/vda. */
    public static Path bare(Path dir, UsedGuestTree guest) throws IOException {
        Path root = dir.resolve("bare-root");
        Files.createDirectories(root);
        guest.build(root);
        Files.writeString(root.resolve("etc/fstab"), "/dev/vda / ext4 defaults 0 1\n");
        Path img = dir.resolve("bare.img");
        ReferenceTools.runOk("mkfs.ext4", "-q", "-F", "-U", ROOT_UUID, "-d", root.toString(), img.toString(), "64M");
        return img;
    }

    /** GPT with one root partition whose fstab mounts /srv from a UUID the image lacks (no nofail). */
    public static Path missingPartition(Path dir, UsedGuestTree guest) throws IOException {
        Path root = dir.resolve("missing-root");
        Files.createDirectories(root);
        guest.build(root);
        Files.writeString(root.resolve("etc/fstab"), "UUID=" + ROOT_UUID + " / ext4 defaults 0 1\n"
                + "UUID=" + MISSING_UUID + " /srv ext4 defaults 0 2\n");
        Path img = dir.resolve("missing.img");
        sparse(img, 66 * MIB);
        ReferenceTools.runOk("sgdisk", "-n", "1:2048:0", "-t", "1:8300", img.toString());
        long size = (66 * MIB - MIB - 34 * 512) / 4096 * 4096;
        ext4(img, root, MIB, size, ROOT_UUID, "");
        return img;
    }

    static void ext4(Path img, Path tree, long offset, long size, String uuid, String label) {
        List<String> cmd = new java.util.ArrayList<>(List.of("mkfs.ext4", "-q", "-F", "-U", uuid, "-E", "offset=" + offset,
                "-d", tree.toString()));
        if (!label.isEmpty()) {
            cmd.addAll(List.of("-L", label));
        }
        cmd.addAll(List.of(img.toString(), (size / 1024) + "k"));
        ReferenceTools.run(Duration.ofMinutes(2), null, cmd.toArray(String[]::new)).assertOk();
    }

    static void sparse(Path p, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
    }

    static void copyInto(Path src, Path dst, long offset) throws IOException {
        try (FileChannel in = FileChannel.open(src); FileChannel out = FileChannel.open(dst, StandardOpenOption.WRITE)) {
            long n = in.size();
            long done = 0;
            while (done < n) {
                done += in.transferTo(done, n - done, out.position(offset + done));
            }
        }
    }

    private static void moveChildren(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        List<Path> children;
        try (Stream<Path> s = Files.list(from)) {
            children = s.toList();
        }
        for (Path c : children) {
            Files.move(c, to.resolve(c.getFileName().toString()));
        }
    }
}
