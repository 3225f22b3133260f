package io.imgtool.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.testdata.TestKernel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real boots of the minimal test guest (TestGuest) under qemu-system-x86_64: TCG here, a few
 * seconds each. Proves that a real kernel reads imgtool's seed, and the runner's console, power-off,
 * timeout, reset and commit/discard handling.
 */
class BootRunnerBootTest {

    @TempDir
    static Path shared;
    static TestKernel kernel;
    static Path initramfs;

    @TempDir
    Path dir;

    @BeforeAll
    static void buildGuest() throws Exception {
        TestGuest.qemu();
        kernel = TestKernel.require();
        initramfs = TestGuest.initramfs(kernel, shared.resolve("initramfs.cpio"));
    }

    private BootRunner.Builder guest(Path disk, String mode, ByteArrayOutputStream console) {
        return BootRunner.builder()
                .disk(disk, DiskFormat.RAW)
                .kernel(kernel.kernel(), initramfs, TestGuest.append(mode))
                .memory(512L << 20).cpus(1).accel(Accel.TCG).network(false)
                .timeout(Duration.ofMinutes(3))
                .console(console)
                .workDir(dir);
    }

    @Test
    void aRealKernelReadsTheSeedAndPowersOff() throws Exception {
        Path disk = TestGuest.disk(dir.resolve("disk.raw"), 16);
        byte[] before = Files.readAllBytes(disk);
        String userData = "#cloud-config\n# hello from imgtool's seed\n";
        NoCloudSeed seed = NoCloudSeed.builder().userData(userData.getBytes(StandardCharsets.UTF_8))
                .instanceId("iid-boot-test").hostname("seedtest").timestamp(Instant.parse("2024-01-02T03:04:05Z"))
                .build();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Path out = dir.resolve("out.raw");
        Path log = dir.resolve("serial.log");
        BootResult r = guest(disk, "seed", console).seed(seed).output(out).serialLog(log).build().run();
        String text = console.toString(StandardCharsets.UTF_8).replace("\r", "");
        System.out.println("boot-to-poweroff (TCG): " + r.timings());
        assertThat(r.outcome()).as(r.message() + "\n" + text).isEqualTo(BootOutcome.POWERED_OFF);
        assertThat(r.accel()).isEqualTo(Accel.TCG);
        assertThat(text).contains("imgtool-test: begin user-data\n" + userData + "imgtool-test: end user-data");
        assertThat(text).contains("instance-id: iid-boot-test").contains("local-hostname: seedtest");
        assertThat(Files.readString(log)).contains("imgtool-test: powering off");
        // -o: the output has the guest's marker, the input is byte for byte what it was.
        assertThat(TestGuest.marker(out)).isEqualTo("IMGTOOL-TEST-MARKER seed");
        assertThat(Files.readAllBytes(disk)).isEqualTo(before);
        assertThat(r.changesIn()).isEqualTo(out);
    }

    private static String sha256(Path p) throws Exception {
        return java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    private static java.util.List<String> leftovers(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.contains("imgtool")).toList();
        }
    }

    @Test
    void aGuestThatNeverPowersOffIsKilledAndTheInputStaysUntouched() throws Exception {
        Path disk = TestGuest.disk(dir.resolve("disk.raw"), 16);
        String before = sha256(disk);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Path log = dir.resolve("serial.log");
        long start = System.nanoTime();
        BootResult r = guest(disk, "hang", console).timeout(Duration.ofSeconds(25)).serialLog(log).build().run();
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertThat(r.outcome()).as(r.message()).isEqualTo(BootOutcome.TIMEOUT);
        assertThat(r.message()).contains("did not power off within 25 s").contains("the image is unchanged");
        assertThat(r.qemuExitStatus()).isEqualTo(-1);
        assertThat(seconds).isBetween(25L, 60L);
        // The guest did write (into the overlay) before it was killed; none of it reached the image.
        assertThat(Files.readString(log)).contains("imgtool-test: hanging");
        assertThat(sha256(disk)).isEqualTo(before);
        assertThat(TestGuest.marker(disk)).isEmpty();
        assertThat(r.changesIn()).isNull();
        assertThat(leftovers(dir)).isEmpty();
    }

    @Test
    void onSuccessTheOverlayIsCommittedIntoAQcow2Image() throws Exception {
        Path raw = TestGuest.disk(dir.resolve("disk.raw"), 16);
        Path qcow2 = dir.resolve("disk.qcow2");
        io.imgtool.testdata.ReferenceTools.runOk("qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw.toString(),
                qcow2.toString());
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        BootResult r = BootRunner.builder().disk(qcow2, DiskFormat.QCOW2)
                .kernel(kernel.kernel(), initramfs, TestGuest.append("seed"))
                .memory(512L << 20).cpus(1).accel(Accel.TCG).network(false).timeout(Duration.ofMinutes(3))
                .console(console).workDir(dir).build().run();
        assertThat(r.outcome()).as(r.message()).isEqualTo(BootOutcome.POWERED_OFF);
        assertThat(r.changesIn()).isEqualTo(qcow2);
        // Without a seed the guest finds none, and still writes its marker.
        assertThat(console.toString(StandardCharsets.UTF_8)).contains("imgtool-test: disk /dev/vda seed none");
        Path back = dir.resolve("back.raw");
        io.imgtool.testdata.ReferenceTools.runOk("qemu-img", "convert", "-f", "qcow2", "-O", "raw", qcow2.toString(),
                back.toString());
        assertThat(TestGuest.marker(back)).isEqualTo("IMGTOOL-TEST-MARKER seed");
        io.imgtool.testdata.ReferenceTools.runOk("qemu-img", "check", qcow2.toString());
        assertThat(leftovers(dir)).isEmpty();
    }

    @Test
    void aRebootIsReportedAsResetAndDiscardedChangesLeaveNoTrace() throws Exception {
        Path disk = TestGuest.disk(dir.resolve("disk.raw"), 16);
        String before = sha256(disk);
        BootResult r = guest(disk, "reboot", new ByteArrayOutputStream()).discardChanges().accel(Accel.AUTO)
                .build().run();
        assertThat(r.outcome()).as(r.message()).isEqualTo(BootOutcome.RESET);
        assertThat(r.message()).contains("reset");
        assertThat(sha256(disk)).isEqualTo(before);
        // AUTO: the runner says which accelerator ran and why; QEMU's query-kvm confirmed it.
        assertThat(r.accelReason()).isNotBlank();
        assertThat(r.accel()).isIn(Accel.KVM, Accel.TCG);
        System.out.println("accel auto chose " + r.accel() + ": " + r.accelReason() + " (probe " + r.timings().probe() + ")");
    }

    @Test
    void anEmergencyShellStopsTheBootAtOnce() throws Exception {
        Path disk = TestGuest.disk(dir.resolve("disk.raw"), 16);
        long start = System.nanoTime();
        BootResult r = guest(disk, "emergency", new ByteArrayOutputStream()).timeout(Duration.ofMinutes(2))
                .build().run();
        assertThat(r.outcome()).as(r.message()).isEqualTo(BootOutcome.EMERGENCY_SHELL);
        assertThat(r.message()).contains("You are in emergency mode");
        assertThat((System.nanoTime() - start) / 1_000_000_000L).isLessThan(60);
        assertThat(r.events()).extracting(ConsoleEvent::kind).contains(ConsoleEvent.Kind.EMERGENCY_SHELL);
    }

    @Test
    void aKernelPanicIsRecognised() throws Exception {
        Path disk = TestGuest.disk(dir.resolve("disk.raw"), 16);
        String before = sha256(disk);
        // No initramfs and a root that does not exist: "VFS: Unable to mount root fs".
        BootResult r = BootRunner.builder().disk(disk, DiskFormat.RAW)
                .kernel(kernel.kernel(), null, "console=ttyS0 root=/dev/imgtool-no-such-disk")
                .memory(512L << 20).cpus(1).accel(Accel.TCG).network(false).timeout(Duration.ofMinutes(2))
                .console(new ByteArrayOutputStream()).workDir(dir).build().run();
        assertThat(r.outcome()).as(r.message()).isEqualTo(BootOutcome.KERNEL_PANIC);
        assertThat(r.message()).contains("Kernel panic - not syncing");
        assertThat(sha256(disk)).isEqualTo(before);
    }

    @Test
    void aFailingScriptIsReportedAndItsChangesAreNotCommitted() throws Exception {
        // The seed's user-data is imgtool's script wrapper alone; the test init runs it as cloud-init's
        // scripts_user would, then powers off. The wrapper's status line on the console fails the run.
        Path disk = TestGuest.disk(dir.resolve("disk.raw"), 16);
        String before = sha256(disk);
        byte[] userData = UserData.compose(null, "echo provisioning step; exit 7\n".getBytes(StandardCharsets.UTF_8), false);
        NoCloudSeed seed = NoCloudSeed.builder().userData(userData).instanceId("iid-script").build();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        BootResult r = guest(disk, "script", console).seed(seed).build().run();
        String text = console.toString(StandardCharsets.UTF_8).replace("\r", "");
        assertThat(r.outcome()).as(r.message() + "\n" + text).isEqualTo(BootOutcome.SCRIPT_FAILED);
        assertThat(r.message()).contains("imgtool-script: exited with status 7").contains("the image is unchanged");
        assertThat(text).contains("provisioning step\n").contains("imgtool-test: user-data exited with 7");
        // The guest wrote its marker into the overlay, which was discarded.
        assertThat(sha256(disk)).isEqualTo(before);
        assertThat(leftovers(dir)).isEmpty();
    }

    @Test
    void uefiFirmwareBootsTheKernelToo() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/usr/share/OVMF")),
                "OVMF (Debian package ovmf) not installed");
        Path disk = TestGuest.disk(dir.resolve("disk.raw"), 16);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        BootResult r = guest(disk, "seed", console).firmware(Firmware.UEFI).inPlace().build().run();
        System.out.println("boot-to-poweroff (TCG, UEFI): " + r.timings());
        assertThat(r.outcome()).as(r.message()).isEqualTo(BootOutcome.POWERED_OFF);
        assertThat(r.command()).anyMatch(a -> a.startsWith("if=pflash,format=raw,unit=0,readonly=on,file="));
        assertThat(TestGuest.marker(disk)).isEqualTo("IMGTOOL-TEST-MARKER seed");
        assertThat(leftovers(dir)).isEmpty();
    }
}
