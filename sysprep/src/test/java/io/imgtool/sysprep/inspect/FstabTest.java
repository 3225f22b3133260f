package io.imgtool.sysprep.inspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.ImageFormatException;
import io.imgtool.gpt.FilesystemProbe;
import java.util.List;
import org.junit.jupiter.api.Test;

/** fstab(5) parsing and the device names, keys and links an entry may use to name a partition. */
class FstabTest {

    @Test
    void parsesFieldsEscapesCommentsAndDefaults() throws Exception {
        Fstab f = Fstab.parse("""
                # comment
                UUID=abcd /          ext4 errors=remount-ro 0 1

                LABEL=My\\040Data /srv/my\\040data ext4 defaults,nofail 0 2
                /dev/vdb1\t/mnt\tauto\tnoauto
                proc /proc proc defaults
                /swapfile none swap sw 0 0
                /dev/vdc /x
                """, "/etc/fstab");
        assertThat(f.entries()).hasSize(6);
        Fstab.Entry root = f.entries().get(0);
        assertThat(root.spec()).isEqualTo("UUID=abcd");
        assertThat(root.options()).containsExactly("errors=remount-ro");
        assertThat(root.passno()).isEqualTo(1);
        assertThat(root.line()).isEqualTo(2);
        Fstab.Entry data = f.entries().get(1);
        assertThat(data.spec()).isEqualTo("LABEL=My Data");
        assertThat(data.mountPoint()).isEqualTo("/srv/my data");
        assertThat(data.nofail()).isTrue();
        assertThat(f.entries().get(2).noauto()).isTrue();
        assertThat(f.entries().get(3).virtual()).isTrue();
        assertThat(f.entries().get(4).swap()).isTrue();
        Fstab.Entry two = f.entries().get(5);
        assertThat(two.type()).isEqualTo("auto");
        assertThat(two.options()).containsExactly("defaults");
    }

    @Test
    void rejectsBadLinesAndHugeFiles() {
        assertThatThrownBy(() -> Fstab.parse("/dev/vda1\n", "/etc/fstab")).isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("line 1");
        assertThatThrownBy(() -> Fstab.parse("/dev/vda1 / ext4 defaults x 1\n", "/etc/fstab"))
                .isInstanceOf(ImageFormatException.class).hasMessageContaining("not a number");
        assertThatThrownBy(() -> Fstab.parse("#".repeat(Fstab.MAX_SIZE + 1), "/etc/fstab"))
                .isInstanceOf(ImageFormatException.class);
    }

    @Test
    void deviceSpecsNameTheRightPartition() {
        GuestPartition p1 = new GuestPartition(1, 1 << 20, 1 << 20, "Linux filesystem", "", "root",
                "6e2c1b7a-3f4d-4e5a-9b8c-7d6e5f4a3b2c", new FilesystemProbe.Info("ext4", "rootfs", "4c8f7e2a-1b3d-4e5f-9a6b-7c8d9e0f1a2b"));
        GuestPartition p2 = new GuestPartition(2, 2 << 20, 1 << 20, "Linux filesystem", "", "my data",
                "0a0b0c0d-0000-4000-8000-000000000002", new FilesystemProbe.Info("ext4", "a/b", "99999999-1b3d-4e5f-9a6b-7c8d9e0f1a2b"));
        GuestPartition p15 = new GuestPartition(15, 3 << 20, 1 << 20, "EFI System", "", "",
                "0a0b0c0d-0000-4000-8000-00000000000f", new FilesystemProbe.Info("vfat", "EFI", "A1B2-C3D4"));
        List<GuestPartition> parts = List.of(p1, p2, p15);
        assertThat(find("UUID=4C8F7E2A-1B3D-4E5F-9A6B-7C8D9E0F1A2B", parts)).isEqualTo(1);
        assertThat(find("UUID=\"a1b2-c3d4\"", parts)).isEqualTo(15);
        assertThat(find("LABEL=rootfs", parts)).isEqualTo(1);
        assertThat(find("LABEL=ROOTFS", parts)).isEqualTo(-1);
        assertThat(find("PARTUUID=0a0b0c0d-0000-4000-8000-000000000002", parts)).isEqualTo(2);
        assertThat(find("PARTLABEL=root", parts)).isEqualTo(1);
        assertThat(find("/dev/disk/by-uuid/4c8f7e2a-1b3d-4e5f-9a6b-7c8d9e0f1a2b", parts)).isEqualTo(1);
        assertThat(find("/dev/disk/by-label/a\\x2fb", parts)).isEqualTo(2);
        assertThat(find("/dev/disk/by-partlabel/my\\x20data", parts)).isEqualTo(2);
        assertThat(find("/dev/disk/by-partuuid/0a0b0c0d-0000-4000-8000-00000000000f", parts)).isEqualTo(15);
        for (String dev : List.of("/dev/vda2", "/dev/sda2", "/dev/xvda2", "/dev/hda2", "/dev/nvme0n1p2", "/dev/mmcblk0p2")) {
            assertThat(find(dev, parts)).as(dev).isEqualTo(2);
        }
        assertThat(find("/dev/sdb1", parts)).isEqualTo(-1);
        assertThat(find("/dev/mapper/vg-root", parts)).isEqualTo(-1);
        assertThat(find("/dev/root", parts)).isEqualTo(1);
        assertThat(find("UUID=00000000-0000-0000-0000-000000000000", parts)).isEqualTo(-1);
        assertThat(find("/dev/vda99999999999", parts)).isEqualTo(-1);
    }

    private static int find(String spec, List<GuestPartition> parts) {
        return DeviceSpec.find(spec, parts, parts.get(0)).map(GuestPartition::number).orElse(-1);
    }
}
