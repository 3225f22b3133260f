package io.imgtool.gpt;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.MemoryDevice;
import io.imgtool.core.RawFileDevice;
import io.imgtool.testdata.ReferenceTools;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ring 3: the probe agrees with {@code blkid -p} on filesystems the real mkfs tools made. */
class FilesystemProbeTest {

    @TempDir
    Path dir;

    private Path file(String name, long size) throws Exception {
        return Scratch.image(dir, name, size);
    }

    private static Map<String, String> blkid(Path p) {
        ReferenceTools.Result r = ReferenceTools.run("blkid", "-p", "-o", "export", p.toString());
        Map<String, String> m = new HashMap<>();
        for (String line : r.stdout().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return m;
    }

    private static FilesystemProbe.Info probe(Path p) throws Exception {
        try (RawFileDevice d = RawFileDevice.open(p, false)) {
            return FilesystemProbe.probe(d).orElseThrow(() -> new AssertionError("nothing found in " + p));
        }
    }

    /** Probe and blkid agree on type, label and (unless told otherwise) UUID. */
    private static FilesystemProbe.Info assertLikeBlkid(Path p, boolean compareUuid) throws Exception {
        FilesystemProbe.Info i = probe(p);
        Map<String, String> b = blkid(p);
        assertThat(i.type()).isEqualTo(b.get("TYPE"));
        assertThat(i.label()).isEqualTo(b.getOrDefault("LABEL", ""));
        if (compareUuid) {
            assertThat(i.uuid()).isEqualTo(b.getOrDefault("UUID", ""));
        }
        return i;
    }

    @Test
    void extFamily() throws Exception {
        String uuid = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
        for (String[] c : new String[][] {{"mkfs.ext4", "ext4", "rootfs"}, {"mkfs.ext3", "ext3", "old3"},
                {"mkfs.ext2", "ext2", ""}}) {
            Path p = file(c[1] + ".img", 16L << 20);
            if (c[2].isEmpty()) {
                ReferenceTools.runOk(c[0], "-q", "-F", "-U", uuid, p.toString());
            } else {
                ReferenceTools.runOk(c[0], "-q", "-F", "-L", c[2], "-U", uuid, p.toString());
            }
            FilesystemProbe.Info i = assertLikeBlkid(p, true);
            assertThat(i.type()).isEqualTo(c[1]);
            assertThat(i.uuid()).isEqualTo(uuid);
        }
        Path nj = file("ext4-nojournal.img", 16L << 20);
        ReferenceTools.runOk("mkfs.ext4", "-q", "-F", "-O", "^has_journal", "-L", "nj", nj.toString());
        assertThat(assertLikeBlkid(nj, true).type()).isEqualTo("ext4");
        Path jd = file("journal.img", 8L << 20);
        ReferenceTools.runOk("mke2fs", "-q", "-F", "-O", "journal_dev", "-L", "jrnl", jd.toString());
        assertThat(assertLikeBlkid(jd, true).type()).isEqualTo("jbd");
    }

    @Test
    void vfat16And32() throws Exception {
        Path f16 = file("fat16.img", 32L << 20);
        ReferenceTools.runOk("mkfs.vfat", "-F", "16", "-n", "EFI", "-i", "1234ABCD", f16.toString());
        assertThat(assertLikeBlkid(f16, true).uuid()).isEqualTo("1234-ABCD");
        Path f32 = file("fat32.img", 64L << 20);
        ReferenceTools.runOk("mkfs.vfat", "-F", "32", "-n", "BIGFAT", "-i", "0BADCAFE", f32.toString());
        assertLikeBlkid(f32, true);
        Path noLabel = file("fat-nolabel.img", 8L << 20);
        ReferenceTools.runOk("mkfs.vfat", noLabel.toString());
        assertThat(assertLikeBlkid(noLabel, true).label()).isEmpty();
    }

    @Test
    void swapXfsBtrfs() throws Exception {
        Path sw = file("swap.img", 4L << 20);
        ReferenceTools.runOk("mkswap", "-L", "swp", "-U", "11111111-2222-4333-8444-555555555555", sw.toString());
        assertLikeBlkid(sw, true);
        Path x = file("xfs.img", 300L << 20);
        ReferenceTools.runOk("mkfs.xfs", "-q", "-L", "xlabel", "-m", "uuid=22222222-3333-4444-8555-666666666666",
                x.toString());
        assertLikeBlkid(x, true);
        Path b = file("btrfs.img", 128L << 20);
        ReferenceTools.runOk("mkfs.btrfs", "-q", "-L", "blabel", "-U", "33333333-4444-4555-8666-777777777777",
                b.toString());
        assertLikeBlkid(b, true);
    }

    @Test
    void luks1And2() throws Exception {
        Path key = dir.resolve("key");
        Files.writeString(key, "passphrase");
        Path l2 = file("luks2.img", 20L << 20);
        ReferenceTools.runOk("cryptsetup", "luksFormat", "-q", "--type", "luks2", "--label", "SECRET", "--uuid",
                "44444444-5555-4666-8777-888888888888", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000",
                "--key-file", key.toString(), l2.toString());
        assertLikeBlkid(l2, true);
        Path l1 = file("luks1.img", 20L << 20);
        ReferenceTools.runOk("cryptsetup", "luksFormat", "-q", "--type", "luks1", "--uuid",
                "55555555-6666-4777-8888-999999999999", "--pbkdf-force-iterations", "1000",
                "--key-file", key.toString(), l1.toString());
        assertLikeBlkid(l1, true);
    }

    /** An LVM2 label as pvcreate writes it (pvcreate itself needs a block device). */
    @Test
    void lvm2Label() throws Exception {
        byte[] disk = new byte[8 << 20]; // blkid ignores LVM labels on devices of 1 MiB or less
        ByteBuffer b = ByteBuffer.wrap(disk).order(ByteOrder.LITTLE_ENDIAN);
        int s = 512;
        b.put(s, "LABELONE".getBytes(StandardCharsets.US_ASCII));
        b.putLong(s + 8, 1);
        b.putInt(s + 20, 32);
        b.put(s + 24, "LVM2 001".getBytes(StandardCharsets.US_ASCII));
        b.put(s + 32, "AbCdEf1234567890GhIjKlMnOpQrStUv".getBytes(StandardCharsets.US_ASCII));
        b.putLong(s + 64, 1L << 20);
        b.putInt(s + 16, lvmCrc(disk, s + 20, 512 - 20));
        Path p = dir.resolve("lvm.img");
        Files.write(p, disk);
        FilesystemProbe.Info i = assertLikeBlkid(p, true);
        assertThat(i.uuid()).isEqualTo("AbCdEf-1234-5678-90Gh-IjKl-MnOp-QrStUv");
    }

    /** LVM's label checksum: CRC-32 (reflected 0xEDB88320) from 0xf597a6cf, not inverted. */
    private static int lvmCrc(byte[] b, int off, int len) {
        int crc = 0xf597a6cf;
        for (int i = off; i < off + len; i++) {
            crc ^= b[i] & 0xff;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0xEDB88320 : crc >>> 1;
            }
        }
        return crc;
    }

    /** A minimal ISO 9660 primary volume descriptor and terminator. */
    @Test
    void iso9660Label() throws Exception {
        byte[] disk = new byte[64 * 2048];
        ByteBuffer b = ByteBuffer.wrap(disk).order(ByteOrder.LITTLE_ENDIAN);
        int pvd = 16 * 2048;
        b.put(pvd, (byte) 1);
        b.put(pvd + 1, "CD001".getBytes(StandardCharsets.US_ASCII));
        b.put(pvd + 6, (byte) 1);
        byte[] sysId = new byte[32];
        java.util.Arrays.fill(sysId, (byte) ' ');
        b.put(pvd + 8, sysId);
        byte[] volId = "DEBIAN_12_CLOUD".getBytes(StandardCharsets.US_ASCII);
        byte[] vol = new byte[32];
        java.util.Arrays.fill(vol, (byte) ' ');
        System.arraycopy(volId, 0, vol, 0, volId.length);
        b.put(pvd + 40, vol);
        b.putInt(pvd + 80, 64);
        b.order(ByteOrder.BIG_ENDIAN).putInt(pvd + 84, 64);
        b.order(ByteOrder.LITTLE_ENDIAN).putShort(pvd + 128, (short) 2048);
        b.order(ByteOrder.BIG_ENDIAN).putShort(pvd + 130, (short) 2048);
        int term = 17 * 2048;
        b.put(term, (byte) 255);
        b.put(term + 1, "CD001".getBytes(StandardCharsets.US_ASCII));
        b.put(term + 6, (byte) 1);
        Path p = dir.resolve("cd.iso");
        Files.write(p, disk);
        assertThat(assertLikeBlkid(p, false).label()).isEqualTo("DEBIAN_12_CLOUD");
    }

    @Test
    void nothingOnZeroesOrTinyDevices() throws Exception {
        assertThat(FilesystemProbe.probe(new MemoryDevice(1 << 20))).isEmpty();
        assertThat(FilesystemProbe.probe(new MemoryDevice(100))).isEqualTo(Optional.empty());
        assertThat(FilesystemProbe.probe(new MemoryDevice(0))).isEmpty();
    }
}
