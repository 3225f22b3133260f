package io.imgtool.sysprep.seal;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.BlockDevice;
import io.imgtool.qcow2.DiskImage;
import io.imgtool.qemu.Accel;
import io.imgtool.qemu.NoCloudSeed;
import io.imgtool.qemu.UserData;
import io.imgtool.sysprep.ChangeRecorder;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.GuestResolver;
import io.imgtool.sysprep.Selection;
import io.imgtool.sysprep.inspect.Guest;
import io.imgtool.testdata.DebianGuest;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.UsedDebian;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real boots of the Debian guest under qemu-system (TCG here: minutes each), with the guest's own
 * kernel and initramfs (from the cached tree) and its root found by UUID. Behind the cloud-init
 * profile, like qemu's CloudInitGuestTest:
 * {@code mvn -Pcloud-init -pl sysprep -am test -Dtest=DebianBootTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("cloud-init")
class DebianBootTest {

    @TempDir
    Path dir;

    /** Boot options for the Debian guest: its own kernel, root by UUID, no network. */
    static io.imgtool.qemu.BootRunner.Builder guestKernel(io.imgtool.qemu.BootRunner.Builder b, NoCloudSeed seed,
                                                          String rootUuid, ByteArrayOutputStream console) throws IOException {
        Path tree = DebianGuest.usedTree();
        Path kernel;
        Path initrd;
        try (var s = Files.list(tree.resolve("boot"))) {
            kernel = s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-")).findFirst().orElseThrow();
        }
        initrd = tree.resolve("boot/initrd.img-" + kernel.getFileName().toString().substring("vmlinuz-".length()));
        return b.kernel(kernel, initrd, "console=ttyS0 root=UUID=" + rootUuid + " rw")
                .seed(seed).memory(1L << 30).cpus(2).accel(Accel.AUTO).network(false)
                .timeout(Duration.ofMinutes(20)).console(console);
    }

    @Test
    void provisionBootsTheOverlayThenSealsOffline() throws Exception {
        ReferenceTools.require("qemu-system-x86_64");
        Path image = DebianImages.used();
        String before = SealerOutputTest.sha256(image);
        String userData = "#cloud-config\nwrite_files:\n  - path: /etc/provisioned-by-imgtool\n    content: |\n"
                + "      provisioned\n";
        NoCloudSeed seed = NoCloudSeed.builder()
                .userData(UserData.compose(userData.getBytes(StandardCharsets.UTF_8), null, true)).build();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Path out = dir.resolve("provisioned.qcow2");
        SealReport r = Sealer.builder().input(image).output(out).selection(Selection.defaults().operations("-defaults"))
                .provision(b -> {
                    try {
                        return guestKernel(b, seed, UsedDebian.ROOT_UUID, console);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }).checksums().build().seal();
        System.out.println("provision + seal: " + r.timings());
        assertThat(r.notes()).anyMatch(n -> n.startsWith("provisioned:"));
        assertThat(SealerOutputTest.sha256(image)).as("the input is only read").isEqualTo(before);
        assertThat(read(out, "/etc/provisioned-by-imgtool")).contains("provisioned\n");
        assertThat(read(image, "/etc/provisioned-by-imgtool")).isEmpty();
        ReferenceTools.runOk("qemu-img", "check", out.toString());
    }

    static Optional<String> read(Path img, String guestPath) throws IOException {
        try (BlockDevice disk = DiskImage.open(img, false); Guest g = Guest.open(disk, Guest.Options.builder().build())) {
            GuestFiles f = new GuestFiles(new GuestResolver(g.root(), g.mounts()), new ChangeRecorder(), true, null);
            if (f.typeFollow(guestPath) != GuestFiles.Type.FILE) {
                return Optional.empty();
            }
            return Optional.of(new String(f.read(guestPath), StandardCharsets.UTF_8));
        }
    }
}
