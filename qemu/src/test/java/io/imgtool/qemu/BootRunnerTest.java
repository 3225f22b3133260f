package io.imgtool.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.ImageException;
import io.imgtool.core.RawFileDevice;
import java.io.ByteArrayOutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What stops a boot before the guest runs, and QEMU's own failures; no guest boots here. */
class BootRunnerTest {

    @TempDir
    Path dir;

    private BootRunner.Builder runner(Path disk) {
        return BootRunner.builder().disk(disk, DiskFormat.RAW).accel(Accel.TCG).network(false)
                .memory(64L << 20).cpus(1).timeout(Duration.ofSeconds(60)).console(new ByteArrayOutputStream())
                .workDir(dir);
    }

    @Test
    void aQemuPathThatDoesNotExistNamesTheDebianPackage() throws Exception {
        Path disk = TestGuest.disk(dir.resolve("d.raw"), 1);
        Path missing = dir.resolve("no/qemu-system-x86_64");
        assertThatThrownBy(() -> runner(disk).qemu(missing).build().run())
                .isInstanceOf(QemuNotFoundException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("qemu-system-x86")
                .satisfies(e -> assertThat(((QemuNotFoundException) e).debianPackage()).isEqualTo("qemu-system-x86"));
    }

    @Test
    void aPathWithoutQemuNamesTheDebianPackage() throws Exception {
        Path disk = TestGuest.disk(dir.resolve("d.raw"), 1);
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.writeString(bin.resolve("qemu-system-x86_64"), "not executable");
        assertThatThrownBy(() -> runner(disk).pathVariable(bin + "::/nonexistent").build().run())
                .isInstanceOf(QemuNotFoundException.class)
                .hasMessageContaining("not on PATH")
                .hasMessageContaining("apt-get install qemu-system-x86");
        // Nothing was created next to the image.
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactlyInAnyOrder("d.raw", "bin");
        }
    }

    @Test
    void missingInputsFailBeforeAnythingIsWritten() throws Exception {
        Path disk = TestGuest.disk(dir.resolve("d.raw"), 1);
        TestGuest.qemu();
        assertThatThrownBy(() -> runner(dir.resolve("none.raw")).build().run()).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> runner(disk).kernel(dir.resolve("vmlinuz"), null, null).build().run())
                .isInstanceOf(NoSuchFileException.class);
        Path out = Files.writeString(dir.resolve("out.raw"), "exists");
        assertThatThrownBy(() -> runner(disk).output(out).build().run()).isInstanceOf(FileAlreadyExistsException.class);
        assertThatThrownBy(() -> runner(disk).firmware(Firmware.UEFI)
                .ovmf(dir.resolve("OVMF_CODE.fd"), dir.resolve("OVMF_VARS.fd")).build().run())
                .isInstanceOf(QemuNotFoundException.class).hasMessageContaining("ovmf");
        assertThatThrownBy(() -> BootRunner.builder().disk(disk, DiskFormat.RAW).kernel(null, disk, "x").build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BootRunner.builder().memory(1 << 20)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BootRunner.builder().timeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Files.readString(out)).isEqualTo("exists");
    }

    @Test
    void aLockedImageIsRefusedBeforeBooting() throws Exception {
        Path disk = TestGuest.disk(dir.resolve("d.raw"), 1);
        TestGuest.qemu();
        try (RawFileDevice held = RawFileDevice.open(disk, true)) {
            assertThatThrownBy(() -> runner(disk).build().run())
                    .isInstanceOf(ImageException.class)
                    .satisfies(e -> assertThat(((ImageException) e).kind()).isEqualTo(ImageException.Kind.LOCKED));
        }
    }

    @Test
    void qemuRefusingItsCommandLineIsAQemuFailureAndTheImageIsUnchanged() throws Exception {
        Path disk = TestGuest.disk(dir.resolve("d.raw"), 1);
        byte[] before = Files.readAllBytes(disk);
        TestGuest.qemu();
        BootResult r = runner(disk).qemuArgs("-device", "imgtool-no-such-device").build().run();
        assertThat(r.outcome()).isEqualTo(BootOutcome.QEMU_FAILED);
        assertThat(r.message()).contains("imgtool-no-such-device").contains("the image is unchanged")
                .doesNotContain("waiting for connection");
        assertThat(r.qemuExitStatus()).isEqualTo(1);
        assertThat(Files.readAllBytes(disk)).isEqualTo(before);
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("d.raw");
        }
    }

    @Test
    void theCommandLineStatesTheFormatAndAttachesTheSeedReadOnly() throws Exception {
        Path disk = TestGuest.disk(dir.resolve("d,1.raw"), 1);
        BootRunner r = runner(disk).build();
        List<String> c = r.command(Path.of("/usr/bin/qemu-system-x86_64"), Accel.TCG, disk, DiskFormat.RAW,
                dir.resolve("seed.iso"), null, null, dir.resolve("qmp.sock"));
        String line = String.join(" ", c);
        assertThat(line).contains("format=raw,if=none,id=disk0").contains("d,,1.raw")
                .contains("virtio-blk-pci,drive=disk0,bootindex=0")
                .contains(dir.resolve("seed.iso") + ",format=raw,if=none,id=seed,readonly=on")
                .contains("-no-reboot").contains("-accel tcg").contains("-nic none")
                .contains("-qmp unix:" + dir.resolve("qmp.sock") + ",server=on,wait=on");
    }
}
