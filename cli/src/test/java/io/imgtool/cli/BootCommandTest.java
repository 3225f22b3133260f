package io.imgtool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.testdata.CpioWriter;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.TestKernel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** imgtool boot from the command line: options, exit codes, and three short real boots. */
class BootCommandTest {

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cl = ImgTool.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private Path emptyDisk() throws Exception {
        Path disk = dir.resolve("disk.raw");
        try (var ch = java.nio.channels.FileChannel.open(disk, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(8 << 20);
        }
        return disk;
    }

    private static String sha256(Path p) throws Exception {
        return java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    @Test
    void helpListsTheOptionsAndExitCodes() {
        Run r = run("boot", "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("--user-data", "--script", "--timeout", "--accel", "--kernel", "--in-place",
                "--output", "--serial-log", "--qemu", "qemu-system-x86");
        assertThat(run("--help").out()).contains("boot");
    }

    @Test
    void missingQemuExitsTenAndNamesThePackage() throws Exception {
        Path disk = emptyDisk();
        Run r = run("boot", disk.toString(), "--qemu", dir.resolve("nope/qemu-system-x86_64").toString());
        assertThat(r.exit()).isEqualTo(ExitCodes.QEMU_MISSING);
        assertThat(r.err()).contains("qemu-system-x86_64 not found").contains("apt-get install qemu-system-x86");
    }

    @Test
    void badArgumentsExitTwo() throws Exception {
        Path disk = emptyDisk();
        assertThat(run("boot", disk.toString(), "--timeout", "soon").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("boot", disk.toString(), "--accel", "hvf").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("boot", disk.toString(), "--in-place", "-o", "x").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("boot", disk.toString(), "--append", "quiet").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("boot", dir.resolve("missing.raw").toString(), "--format", "raw").exit())
                .isEqualTo(ExitCodes.CORRUPT);
    }

    @Test
    void durations() {
        assertThat(BootCommand.parseDuration("90")).isEqualTo(Duration.ofSeconds(90));
        assertThat(BootCommand.parseDuration("15m")).isEqualTo(Duration.ofMinutes(15));
        assertThat(BootCommand.parseDuration("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(BootCommand.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void anEmptyDiskIsNotBootableExitEleven() throws Exception {
        ReferenceTools.require("qemu-system-x86_64");
        Path disk = emptyDisk();
        String before = sha256(disk);
        // SeaBIOS says "No bootable device." on the serial console (and would retry in 60 s).
        Run r = run("boot", disk.toString(), "--timeout", "2m", "--accel", "tcg", "--memory", "128M", "--cpus", "1",
                "--no-network", "--quiet");
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(ExitCodes.GUEST_FAILED);
        assertThat(r.out()).contains("FAILED (not bootable)").contains("No bootable device.");
        assertThat(sha256(disk)).isEqualTo(before);
    }

    @Test
    void aGuestThatNeverPowersOffTimesOutWithExitTwelve() throws Exception {
        ReferenceTools.require("qemu-system-x86_64");
        TestKernel k = TestKernel.require();
        Path busybox = ReferenceTools.require("busybox");
        Path disk = emptyDisk();
        String before = sha256(disk);
        CpioWriter cpio = new CpioWriter().dir("/dev", 0755).charDevice("/dev/console", 0600, 5, 1)
                .file("/bin/busybox", 0755, Files.readAllBytes(busybox))
                .file("/init", 0755, "#!/bin/busybox sh\nwhile :; do /bin/busybox sleep 60; done\n"
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        Path initrd = Files.write(dir.resolve("initrd.cpio"), cpio.toByteArray());
        Run r = run("boot", disk.toString(), "--kernel", k.kernel().toString(), "--initrd", initrd.toString(),
                "--append", "console=ttyS0", "--timeout", "8s", "--accel", "tcg", "--memory", "256M", "--cpus", "1",
                "--no-network", "--quiet");
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(ExitCodes.GUEST_TIMEOUT);
        assertThat(r.out()).contains("FAILED (timeout)").contains("did not power off within 8 s");
        assertThat(sha256(disk)).isEqualTo(before);
    }

    @Test
    void aPanickingKernelExitsElevenAndAGoodGuestExitsZero() throws Exception {
        ReferenceTools.require("qemu-system-x86_64");
        TestKernel k = TestKernel.require();
        Path busybox = ReferenceTools.require("busybox");
        Path disk = emptyDisk();
        String before = sha256(disk);
        Run panic = run("boot", disk.toString(), "--kernel", k.kernel().toString(), "--append",
                "console=ttyS0 root=/dev/imgtool-none", "--accel", "tcg", "--memory", "256M", "--cpus", "1",
                "--no-network", "--quiet", "--timeout", "2m", "--json");
        assertThat(panic.exit()).as(panic.out() + panic.err()).isEqualTo(ExitCodes.GUEST_FAILED);
        assertThat(panic.out()).contains("\"outcome\": \"kernel-panic\"").contains("Kernel panic - not syncing");
        assertThat(sha256(disk)).isEqualTo(before);

        // An initramfs whose /init powers off at once.
        CpioWriter cpio = new CpioWriter().dir("/dev", 0755).charDevice("/dev/console", 0600, 5, 1)
                .file("/bin/busybox", 0755, Files.readAllBytes(busybox))
                .file("/init", 0755, "#!/bin/busybox sh\n/bin/busybox echo imgtool-cli-test\n/bin/busybox poweroff -f\n"
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        Path initrd = Files.write(dir.resolve("initrd.cpio"), cpio.toByteArray());
        Path log = dir.resolve("serial.log");
        Run ok = run("boot", disk.toString(), "--kernel", k.kernel().toString(), "--initrd", initrd.toString(),
                "--append", "console=ttyS0 panic=-1", "--accel", "tcg", "--memory", "256M", "--cpus", "1",
                "--no-network", "--quiet", "--timeout", "2m", "--serial-log", log.toString());
        assertThat(ok.exit()).as(ok.out() + ok.err()).isEqualTo(ExitCodes.OK);
        assertThat(ok.out()).startsWith("ok: the guest powered off after").contains("accelerator: tcg");
        assertThat(Files.readString(log)).contains("imgtool-cli-test");
    }
}
