package io.imgtool.qemu.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.qemu.Accel;
import io.imgtool.qemu.TestGuest;
import io.imgtool.testdata.ReferenceTools;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The KVM probe: its bytes are its source, it runs to its exit, and the decision follows the device. */
class KvmProbeTest {

    @TempDir
    Path dir;

    @Test
    void firmwareIsTheAssembledSource() throws Exception {
        Path as = ReferenceTools.find("as");
        Path ld = ReferenceTools.find("ld");
        Assumptions.assumeTrue(as != null && ld != null, "binutils (as, ld) not installed: cannot re-assemble the probe");
        Path src = dir.resolve("kvm-probe.S");
        try (InputStream in = KvmProbe.class.getResourceAsStream("kvm-probe.S")) {
            Files.write(src, in.readAllBytes());
        }
        ReferenceTools.runOk(as.toString(), "--32", "-o", dir.resolve("p.o").toString(), src.toString());
        ReferenceTools.runOk(ld.toString(), "-m", "elf_i386", "--oformat", "binary", "-e", "0", "-Ttext", "0", "-o",
                dir.resolve("p.bin").toString(), dir.resolve("p.o").toString());
        assertThat(Files.readAllBytes(dir.resolve("p.bin"))).isEqualTo(KvmProbe.firmware());
    }

    @Test
    void theProbeGuestRunsToItsExitUnderTcg() throws Exception {
        // If the probe itself were broken, AUTO could never choose KVM: prove it runs where it can.
        Path qemu = TestGuest.qemu();
        Path fw = dir.resolve("probe.bin");
        Files.write(fw, KvmProbe.firmware());
        KvmProbe.Result r = KvmProbe.run(qemu, fw, Accel.TCG, Duration.ofSeconds(60));
        assertThat(r.status()).as(r.stderr()).isEqualTo(KvmProbe.SUCCESS_STATUS);
    }

    @Test
    void noDeviceMeansTcgWithoutStartingQemu() throws Exception {
        KvmProbe.Decision d = KvmProbe.decide(Path.of("/nonexistent/qemu"), dir.resolve("no-kvm"),
                Duration.ofSeconds(1), dir);
        assertThat(d.accel()).isEqualTo(Accel.TCG);
        assertThat(d.reason()).contains("does not exist");
    }

    @Test
    void theDecisionOnThisHostIsExplained() throws Exception {
        Path qemu = TestGuest.qemu();
        Path kvm = Path.of("/dev/kvm");
        Assumptions.assumeTrue(Files.exists(kvm), "no /dev/kvm here");
        KvmProbe.Decision d = KvmProbe.decide(qemu, kvm, KvmProbe.DEFAULT_LIMIT, dir);
        System.out.println("KVM probe on this host: " + d);
        if (d.accel() == Accel.KVM) {
            assertThat(d.reason()).startsWith("a probe guest ran under KVM in ");
        } else {
            assertThat(d.reason()).containsAnyOf("did not finish", "KVM failed", "not accessible");
        }
        assertThat(dir.resolve("kvm-probe.bin")).doesNotExist();
    }
}
