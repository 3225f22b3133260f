package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.RawFileDevice;
import io.imgtool.ext4.mkfs.Ext4Formatter;
import io.imgtool.testdata.CpioWriter;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.TestKernel;
import io.imgtool.testdata.Trees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The truth of truths: the host's Linux kernel (cloud kernel, under qemu-system with TCG) mounts a
 * filesystem imgtool made, read-write, reads the tree, writes a file and a directory, and unmounts;
 * afterwards {@code e2fsck -fn} is clean and imgtool reads what the kernel wrote.
 */
class MkfsBootTest {

    private static final String BEGIN = "===MKFS-BEGIN===";
    private static final String END = "===MKFS-END===";

    @Test
    void kernelMountsReadsAndWrites() throws IOException {
        Path qemu = ReferenceTools.require("qemu-system-x86_64");
        Path busybox = ReferenceTools.require("busybox");
        TestKernel k = TestKernel.require();
        Path dir = Images.scratch("mkfs-boot");
        Path tree = dir.resolve("tree");
        Trees.build(tree, Trees.Spec.plain(21).withBigDir(2000));
        Path img = dir.resolve("fs.img");
        try (RawFileDevice d = RawFileDevice.create(img, 128L << 20)) {
            Ext4Formatter.builder().label("booted").assumeZeroed(true).build().format(d, tree);
        }
        MkfsTool.fsckClean(img);

        CpioWriter cpio = new CpioWriter();
        cpio.dir("/dev", 0755).charDevice("/dev/console", 0600, 5, 1).charDevice("/dev/null", 0666, 1, 3);
        cpio.dir("/proc", 0755).dir("/sys", 0755).dir("/mnt", 0755);
        cpio.file("/bin/busybox", 0755, Files.readAllBytes(busybox));
        cpio.symlink("/bin/sh", "busybox");
        List<String> mods = new ArrayList<>();
        for (Path m : k.moduleFiles("virtio_pci", "virtio_blk", "ext4")) {
            String name = m.getFileName().toString();
            if (!name.endsWith(".ko")) {
                throw new IllegalStateException("compressed module " + m + ": busybox insmod needs plain .ko files");
            }
            cpio.file("/modules/" + name, 0644, Files.readAllBytes(m));
            mods.add(name);
        }
        String init = "#!/bin/sh\n"
                + "/bin/busybox mount -t proc p /proc\n"
                + "/bin/busybox mount -t sysfs s /sys\n"
                + "/bin/busybox mount -t devtmpfs d /dev\n"
                + "for m in " + String.join(" ", mods) + "; do /bin/busybox insmod /modules/$m; done\n"
                + "n=0; while [ ! -b /dev/vda ] && [ $n -lt 100 ]; do /bin/busybox sleep 0.1; n=$((n+1)); done\n"
                + "echo " + BEGIN + "\n"
                + "/bin/busybox mount -t ext4 -o rw,errors=remount-ro /dev/vda /mnt && echo MOUNTED\n"
                + "/bin/busybox cat /mnt/files/text.txt\n"
                + "/bin/busybox ls /mnt/bigdir | /bin/busybox wc -l\n"
                + "/bin/busybox ls -l /mnt/links/to-file\n"
                + "/bin/busybox mkdir /mnt/from-kernel && echo written by the kernel > /mnt/from-kernel/note.txt\n"
                + "/bin/busybox cp /mnt/files/size-65537 /mnt/from-kernel/copy && echo COPIED\n"
                + "/bin/busybox touch /mnt/bigdir/added-by-kernel\n"
                + "/bin/busybox rm /mnt/files/size-4096\n"
                + "/bin/busybox sync\n"
                + "/bin/busybox umount /mnt && echo UNMOUNTED\n"
                + "/bin/busybox dmesg | /bin/busybox grep -i -E 'ext4|jbd2' \n"
                + "echo " + END + "\n"
                + "/bin/busybox poweroff -f\n";
        cpio.file("/init", 0755, init.getBytes(StandardCharsets.UTF_8));
        Path initrd = dir.resolve("initrd.cpio");
        Files.write(initrd, cpio.toByteArray());
        String accel = "kvm".equals(System.getenv("IMGTOOL_QEMU_ACCEL")) ? "kvm:tcg" : "tcg";
        ReferenceTools.Result r = ReferenceTools.run(Duration.ofMinutes(4), null, qemu.toString(),
                "-machine", "q35,accel=" + accel, "-m", "512", "-nographic", "-no-reboot",
                "-kernel", k.kernel().toString(), "-initrd", initrd.toString(),
                "-append", "console=ttyS0 panic=-1 quiet",
                "-drive", "file=" + img + ",format=raw,if=none,id=d,cache=unsafe",
                "-device", "virtio-blk-pci,drive=d");
        String out = r.stdout().replace("\r", "");
        int b = out.indexOf(BEGIN);
        int e = out.indexOf(END);
        assertThat(b).as(r.describe()).isGreaterThanOrEqualTo(0);
        assertThat(e).as(r.describe()).isGreaterThan(b);
        String guest = out.substring(b, e);
        assertThat(guest).as(guest).contains("MOUNTED").contains("hello, ext4").contains("2000").contains("COPIED")
                .contains("UNMOUNTED").doesNotContainIgnoringCase("error").doesNotContain("remount");
        MkfsTool.fsckClean(img);
        try (Ext4Volume vol = Images.open(img); FileSystem fs = vol.fileSystem()) {
            assertThat(Files.readString(fs.getPath("/from-kernel/note.txt"))).isEqualTo("written by the kernel\n");
            assertThat(Files.readAllBytes(fs.getPath("/from-kernel/copy")))
                    .isEqualTo(Files.readAllBytes(tree.resolve("files/size-65537")));
            assertThat(Files.exists(fs.getPath("/bigdir/added-by-kernel"))).isTrue();
            assertThat(Files.exists(fs.getPath("/files/size-4096"))).isFalse();
        }
    }
}
