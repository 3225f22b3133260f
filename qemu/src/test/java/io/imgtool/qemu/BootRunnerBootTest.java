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
}
