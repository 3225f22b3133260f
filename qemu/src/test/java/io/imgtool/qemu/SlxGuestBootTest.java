package io.imgtool.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.SlxTestGuest;
import io.imgtool.testdata.TestKernel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issue's test guest with reference tools standing in for imgtool's writers, which are not on
 * this branch yet: sgdisk writes the GPT (partition SLX_SYS), mkfs.ext4 -d the root filesystem from
 * {@link SlxTestGuest}'s tree, debugfs deletes a file offline and reads the guest's marker back.
 * The host's cloud kernel and initrd find the root by root=PARTLABEL=SLX_SYS. Once the gpt and ext4
 * branches are merged, the same test runs with imgtool in place of sgdisk, mkfs.ext4 and debugfs
 * (see docs/qemu.md, "The SLX_SYS test guest").
 */
class SlxGuestBootTest {

    static final long PART_START = 1L << 20;
    static final long PART_SIZE = 48L << 20;

    @TempDir
    Path dir;

    @Test
    void theCloudKernelFindsTheRootByItsGptNameAndMountsTheExt4ReadWrite() throws Exception {
        TestGuest.qemu();
        TestKernel k = TestKernel.require();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(k.initrd()), "no initrd for " + k.version());
        Path busybox = Tools.require("busybox", "busybox-static");

        // The root filesystem: the tree, a file created offline, mkfs.ext4 -d.
        Path tree = dir.resolve("tree");
        SlxTestGuest.populate(tree, busybox);
        Files.writeString(tree.resolve(SlxTestGuest.OFFLINE_FILE.substring(1)), SlxTestGuest.OFFLINE_CONTENT);
        Path part = dir.resolve("part.ext4");
        ReferenceTools.runOk("mkfs.ext4", "-q", "-F", "-L", "root", "-d", tree.toString(), part.toString(),
                (PART_SIZE >> 10) + "k");
        ReferenceTools.runOk("debugfs", "-w", "-R", "rm " + SlxTestGuest.DELETED_FILE, part.toString());

        // The disk: GPT with one partition named SLX_SYS, the filesystem copied in.
        Path disk = dir.resolve("disk.raw");
        try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.truncate(PART_START + PART_SIZE + (1 << 20));
            ch.write(ByteBuffer.wrap(new byte[] {0}), PART_START + PART_SIZE + (1 << 20) - 1);
        }
        ReferenceTools.runOk("sgdisk", "-n", "1:" + (PART_START / 512) + ":+" + (PART_SIZE >> 10) + "K",
                "-c", "1:" + SlxTestGuest.PARTLABEL, "-t", "1:8304", disk.toString());
        copy(part, disk, PART_START);

        ByteArrayOutputStream console = new ByteArrayOutputStream();
        BootResult r = BootRunner.builder().disk(disk, DiskFormat.RAW)
                .kernel(k.kernel(), k.initrd(), SlxTestGuest.APPEND)
                .memory(512L << 20).cpus(1).accel(Accel.TCG).network(false).timeout(Duration.ofMinutes(5))
                .console(console).workDir(dir).inPlace().build().run();
        String text = console.toString(StandardCharsets.UTF_8).replace("\r", "");
        System.out.println("SLX_SYS guest boot-to-poweroff (TCG): " + r.timings().guest().toMillis() + " ms");
        assertThat(r.outcome()).as(r.message() + "\n" + text).isEqualTo(BootOutcome.POWERED_OFF);
        assertThat(text).contains(SlxTestGuest.CONSOLE_OK);

        // Offline: the marker the guest wrote.
        Path after = dir.resolve("after.ext4");
        copyOut(disk, PART_START, PART_SIZE, after);
        String marker = ReferenceTools.runOk("debugfs", "-R", "cat " + SlxTestGuest.MARKER, after.toString()).stdout();
        assertThat(marker).startsWith(SlxTestGuest.MARKER_OK).contains("ext4 rw")
                .contains("root=PARTLABEL=" + SlxTestGuest.PARTLABEL);
        ReferenceTools.runOk("e2fsck", "-fn", after.toString());
    }

    private static void copy(Path from, Path to, long offset) throws Exception {
        try (FileChannel in = FileChannel.open(from); FileChannel out = FileChannel.open(to, StandardOpenOption.WRITE)) {
            long done = 0;
            while (done < in.size()) {
                done += in.transferTo(done, in.size() - done, out.position(offset + done));
            }
        }
    }

    private static void copyOut(Path from, long offset, long length, Path to) throws Exception {
        try (FileChannel in = FileChannel.open(from);
             FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long done = 0;
            while (done < length) {
                done += in.transferTo(offset + done, length - done, out);
            }
        }
    }
}
