package io.imgtool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.Json;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.SlxTestGuest;
import io.imgtool.testdata.TestKernel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7's test guest, made by imgtool alone: {@code create}, {@code part create/add} (one
 * partition of type Linux root x86-64), {@code mkfs --from} the {@link SlxTestGuest} tree (busybox
 * and an init script), {@code write} and {@code rm} offline, {@code label --root SLX_SYS}. The host's
 * cloud kernel and initrd boot it with {@code root=PARTLABEL=SLX_SYS}: the initramfs finds the root by
 * imgtool's GPT name, the kernel mounts imgtool's ext4 read-write, the init script sees the offline
 * changes, writes a marker and powers off; imgtool reads the marker offline. Then the same guest goes
 * through {@code seal --provision} (a boot of an overlay, then the offline seal) and the sealed image
 * boots again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SlxGuestBootTest {

    @TempDir
    static Path dir;
    static TestKernel kernel;
    static Path disk;

    @BeforeAll
    static void guest() throws Exception {
        ReferenceTools.require("qemu-system-x86_64");
        kernel = TestKernel.require();
        Path busybox = ReferenceTools.require("busybox");
        Path tree = dir.resolve("tree");
        SlxTestGuest.populate(tree, busybox);
        disk = dir.resolve("slx.qcow2");
        ok("create", disk.toString(), "96M");
        ok("part", "create", disk.toString());
        ok("part", "add", disk.toString(), "--type", "root-x86-64");
        ok("mkfs", "--from", tree.toString(), disk + ":1");
        ok("write", disk.toString(), SlxTestGuest.OFFLINE_FILE, "--content", SlxTestGuest.OFFLINE_CONTENT);
        ok("rm", disk.toString(), SlxTestGuest.DELETED_FILE);
        assertThat(ok("label", "--root", SlxTestGuest.PARTLABEL, disk.toString()).out()).contains("'' -> 'SLX_SYS'");
    }

    @Test
    @Order(1)
    void bootsByItsGptNameMountsTheExt4ReadWriteAndLeavesAMarker() throws Exception {
        Path log = dir.resolve("boot.log");
        Cli.Run r = Cli.run("boot", disk.toString(), "--kernel", kernel.kernel().toString(), "--initrd",
                kernel.initrd().toString(), "--append", SlxTestGuest.APPEND, "--memory", "512M", "--cpus", "1",
                "--no-network", "--no-power-off", "--timeout", "5m", "--serial-log", log.toString(), "--quiet", "--json");
        String console = Files.readString(log);
        assertThat(r.exit()).as(r.out() + r.err() + console).isZero();
        Map<?, ?> result = (Map<?, ?>) Json.parse(r.out());
        System.out.println("SLX_SYS guest (imgtool-made) boot to power-off: " + result.get("accel") + ", "
                + ((Map<?, ?>) result.get("timings")).get("guest_ms") + " ms");
        assertThat(console).contains(SlxTestGuest.CONSOLE_OK);
        assertThat(marker(disk)).startsWith(SlxTestGuest.MARKER_OK).contains("ext4 rw")
                .contains("root=PARTLABEL=" + SlxTestGuest.PARTLABEL);

        ReferenceTools.runOk("qemu-img", "check", disk.toString());
        Path raw = dir.resolve("slx.raw");
        ReferenceTools.runOk("qemu-img", "convert", "-O", "raw", disk.toString(), raw.toString());
        assertThat(ReferenceTools.runOk("sgdisk", "-v", raw.toString()).stdout()).contains("No problems found");
        assertThat(ReferenceTools.runOk("blkid", "-p", "-o", "export", "-O", Long.toString(1L << 20), raw.toString())
                .stdout()).contains("TYPE=ext4");
        Path root = dir.resolve("root.ext4");
        ReferenceTools.runOk("dd", "conv=sparse", "if=" + raw, "of=" + root, "bs=1M", "skip=1", "status=none");
        ReferenceTools.runOk("e2fsck", "-fn", root.toString());
    }

    @Test
    @Order(2)
    void sealProvisionBootsAnOverlayThenSealsAndTheSealedImageBoots() throws Exception {
        ok("rm", disk.toString(), SlxTestGuest.MARKER);
        String before = SealImageCommandTest.sha256(disk);
        Path userData = dir.resolve("user-data.yaml");
        Files.writeString(userData, "#cloud-config\n# the busybox guest has no cloud-init; its init script does the work\n");
        Path out = Files.createDirectories(dir.resolve("sealed"));
        Path sealed = out.resolve("slx-sealed.qcow2");
        Cli.Run s = Cli.run("seal", disk.toString(), "-o", sealed.toString(), "--compress", "zstd",
                "--provision", userData.toString(), "--boot-kernel", kernel.kernel().toString(), "--boot-initrd",
                kernel.initrd().toString(), "--boot-append", SlxTestGuest.APPEND, "--no-network", "--boot-timeout", "5m",
                "--accel", "tcg", "-q");
        assertThat(s.exit()).as(s.out() + s.err()).isZero();
        assertThat(s.out()).contains("provision");
        assertThat(SealImageCommandTest.sha256(disk)).as("the input is untouched").isEqualTo(before);
        assertThat(Cli.run("get", disk.toString(), SlxTestGuest.MARKER, dir.resolve("none").toString()).exit())
                .as("the input has no marker").isNotZero();
        assertThat(marker(sealed)).as("the provisioning boot's changes are in the sealed image")
                .startsWith(SlxTestGuest.MARKER_OK);
        ReferenceTools.runOk("qemu-img", "check", sealed.toString());

        String sealedSum = SealImageCommandTest.sha256(sealed);
        Path log = dir.resolve("sealed-boot.log");
        Cli.Run r = Cli.run("boot", sealed.toString(), "--kernel", kernel.kernel().toString(), "--initrd",
                kernel.initrd().toString(), "--append", SlxTestGuest.APPEND, "--memory", "512M", "--cpus", "1",
                "--no-network", "--no-power-off", "--timeout", "5m", "--serial-log", log.toString(), "--quiet",
                "--accel", "tcg", "--discard");
        assertThat(r.exit()).as(r.out() + r.err() + Files.readString(log)).isZero();
        assertThat(Files.readString(log)).contains(SlxTestGuest.CONSOLE_OK);
        assertThat(SealImageCommandTest.sha256(sealed)).as("--discard keeps the image").isEqualTo(sealedSum);
    }

    /** The guest's marker, read offline by imgtool's ext4 reader ({@code imgtool get}). */
    private static String marker(Path image) throws Exception {
        Path local = Files.createTempFile(dir, "marker", ".txt");
        Files.delete(local);
        Cli.Run c = Cli.run("get", image.toString(), SlxTestGuest.MARKER, local.toString());
        assertThat(c.exit()).as(c.err()).isZero();
        return Files.readString(local);
    }

    private static Cli.Run ok(String... args) {
        Cli.Run r = Cli.run(args);
        assertThat(r.exit()).as(String.join(" ", args) + "\n" + r.out() + r.err()).isZero();
        return r;
    }
}
