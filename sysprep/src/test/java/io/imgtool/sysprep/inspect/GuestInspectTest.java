package io.imgtool.sysprep.inspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageFormatException;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.qcow2.DiskImage;
import io.imgtool.sysprep.Change;
import io.imgtool.sysprep.OsFamily;
import io.imgtool.sysprep.Selection;
import io.imgtool.sysprep.SysprepOptions;
import io.imgtool.sysprep.SysprepReport;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.sysprep.sample.UsedGuestTree;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inspection of images the reference tools made: the guest's view assembled from fstab across
 * partitions found by UUID, PARTUUID, LABEL, PARTLABEL and device name; MBR, bare filesystems and
 * qcow2; a missing partition; a filesystem imgtool cannot open that an operation needs.
 */
class GuestInspectTest {

    @TempDir
    static Path dir;
    static Path gpt;

    @BeforeAll
    static void images() throws Exception {
        ReferenceTools.requireAll("sgdisk", "sfdisk", "mkfs.ext4", "mkfs.vfat", "mkswap", "qemu-img");
        gpt = TestImages.gptMulti(Files.createDirectories(dir.resolve("gpt")), UsedGuestTree.debian());
    }

    @Test
    void theGuestViewIsAssembledFromFstab() throws Exception {
        try (BlockDevice disk = DiskImage.open(gpt, false); Guest g = Guest.open(disk, Guest.Options.builder().build())) {
            GuestInspection i = g.inspection();
            assertThat(i.scheme()).isEqualTo("gpt");
            assertThat(i.diskId()).isEqualTo("5A5A5A5A-0000-4000-8000-000000000001");
            assertThat(i.partitions()).extracting(GuestPartition::number).containsExactly(1, 2, 3, 4, 5, 6);
            assertThat(i.rootPartition()).isEqualTo(3);
            assertThat(i.root().filesystem().uuid()).isEqualTo(TestImages.ROOT_UUID);
            assertThat(i.partitions().get(1).filesystem().type()).isEqualTo("vfat");
            assertThat(i.partitions().get(1).filesystem().uuid()).isEqualTo(TestImages.ESP_ID);
            assertThat(i.partitions().get(3).partuuid()).isEqualTo(TestImages.VAR_PARTUUID);
            assertThat(i.partitions().get(4).filesystem().label()).isEqualTo("home");
            assertThat(i.partitions().get(5).filesystem().type()).isEqualTo("swap");
            assertThat(i.os().family()).isEqualTo(OsFamily.DEBIAN);
            assertThat(i.os().versionId()).isEqualTo("12");
            assertThat(i.hostname()).isEqualTo("template-host");
            assertThat(i.machineId()).isEqualTo(UsedGuestTree.MACHINE_ID);
            assertThat(i.cloudInit().installed()).isTrue();
            assertThat(i.cloudInit().hasRun()).isTrue();
            assertThat(i.cloudInit().instanceId()).isEqualTo("i-0123456789abcdef");
            assertThat(i.fstab()).extracting(f -> f.entry().mountPoint() + " " + f.status() + " " + f.partition())
                    .containsExactly("/ ROOT 3", "/var MOUNTED 4", "/home MOUNTED 5", "/boot/efi NOT_OPENED 2",
                            "none SWAP 6", "/tmp VIRTUAL -1", "/data MISSING_NOFAIL -1");
            assertThat(i.mountPointOf(4)).isEqualTo("/var");
            assertThat(i.freeBytes()).containsKeys("/", "/var", "/home");
            assertThat(g.volumes()).extracting(Guest.MountedVolume::mountPoint).containsExactly("/", "/var", "/home");
            // The operations see one tree: /var/log on partition 4, /home on partition 5.
            SysprepReport r = g.sysprep().selection(Selection.defaults().disable("backup-files"))
                    .options(SysprepOptions.builder().random(new Random(1)).build()).dryRun(true).run();
            assertThat(r.changes(Change.Kind.REMOVED)).extracting(Change::path)
                    .contains("/var/log/syslog", "/var/log/evil.log", "/home/alice/.bash_history", "/root/.bash_history",
                            "/var/lib/cloud/instance");
            String json = io.imgtool.core.Json.write(i.toJson());
            assertThat(json).contains("\"mount_point\": \"/var\"").contains("\"status\": \"not_opened\"");
            assertThat(i.toText()).contains("/boot/efi").contains("cloud-init: installed, has run");
        }
    }

    @Test
    void anOperationThatNeedsAnUnopenableFilesystemFailsClearly() throws Exception {
        // backup-files searches /srv, /var ... but nothing under /boot/efi; --delete /boot/efi/x needs the vfat.
        try (BlockDevice disk = DiskImage.open(gpt, false); Guest g = Guest.open(disk, Guest.Options.builder().build())) {
            assertThatThrownBy(() -> g.sysprep().selection(Selection.defaults().operations("customize"))
                    .options(SysprepOptions.builder().customize(io.imgtool.sysprep.ops.customize.Delete.parse("/boot/efi/EFI"))
                            .build()).dryRun(true).run())
                    .isInstanceOf(UnsupportedFeatureException.class)
                    .hasMessageContaining("/boot/efi/EFI").hasMessageContaining("vfat on partition 2");
        }
    }

    @Test
    void mbrDisk() throws Exception {
        Path img = TestImages.mbr(Files.createDirectories(dir.resolve("mbr")), UsedGuestTree.rhel());
        try (BlockDevice disk = DiskImage.open(img, false); Guest g = Guest.open(disk, Guest.Options.builder().build())) {
            GuestInspection i = g.inspection();
            assertThat(i.scheme()).isEqualTo("mbr");
            assertThat(i.diskId()).isEqualTo("1a2b3c4d");
            assertThat(i.rootPartition()).isEqualTo(1);
            assertThat(i.root().partuuid()).isEqualTo("1a2b3c4d-01");
            assertThat(i.os().family()).isEqualTo(OsFamily.RHEL);
            assertThat(i.fstab()).singleElement().satisfies(f -> {
                assertThat(f.status()).isEqualTo(GuestInspection.MountStatus.ROOT);
                assertThat(f.partition()).isEqualTo(1);
            });
        }
    }

    @Test
    void bareFilesystemRawAndQcow2() throws Exception {
        Path raw = TestImages.bare(Files.createDirectories(dir.resolve("bare")), UsedGuestTree.debian());
        Path qcow2 = dir.resolve("bare/bare.qcow2");
        ReferenceTools.runOk("qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw.toString(), qcow2.toString());
        for (Path img : List.of(raw, qcow2)) {
            try (BlockDevice disk = DiskImage.open(img, false)) {
                GuestInspection i = Guest.inspect(disk);
                assertThat(i.scheme()).isEqualTo("none");
                assertThat(i.rootPartition()).isZero();
                assertThat(i.root().filesystem().uuid()).isEqualTo(TestImages.ROOT_UUID);
                assertThat(i.fstab()).singleElement().satisfies(f -> assertThat(f.partition()).isZero());
            }
        }
    }

    @Test
    void aRootInsideLvmIsNamedAsUnsupported() throws Exception {
        Path img = dir.resolve("lvm.img");
        TestImages.sparse(img, 16L << 20);
        ReferenceTools.runOk("sgdisk", "-n", "1:2048:+1M", "-t", "1:ef02", "-n", "2:0:0", "-t", "2:8e00", img.toString());
        // An LVM2 physical volume label in the second sector of partition 2 (what pvcreate writes).
        byte[] label = new byte[512];
        System.arraycopy("LABELONE".getBytes(), 0, label, 0, 8);
        label[20] = 32;
        System.arraycopy("LVM2 001".getBytes(), 0, label, 24, 8);
        System.arraycopy("0123456789abcdefghijABCDEFGHIJkl".getBytes(), 0, label, 32, 32);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(img, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(label), 4096L * 512 + 512);
        }
        try (BlockDevice disk = DiskImage.open(img, false)) {
            assertThatThrownBy(() -> Guest.inspect(disk)).isInstanceOf(UnsupportedFeatureException.class)
                    .hasMessageContaining("partition 2").hasMessageContaining("LVM2_member");
        }
    }

    @Test
    void anFstabEntryNamingAMissingPartitionIsAClearError() throws Exception {
        Path img = TestImages.missingPartition(Files.createDirectories(dir.resolve("missing")), UsedGuestTree.debian());
        try (BlockDevice disk = DiskImage.open(img, false)) {
            assertThatThrownBy(() -> Guest.inspect(disk))
                    .isInstanceOf(ImageFormatException.class)
                    .hasMessageContaining("/etc/fstab").hasMessageContaining("line 2")
                    .hasMessageContaining(TestImages.MISSING_UUID).hasMessageContaining("/srv")
                    .hasMessageContaining("nofail");
        }
    }
}
