package io.imgtool.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.SlxTestGuest;
import io.imgtool.testdata.TestKernel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real cloud-init guest on imgtool's NoCloud seed: Debian bookworm (debootstrap, minbase with
 * systemd and cloud-init, cached in ~/.cache/imgtool), the host's cloud kernel and initrd, the root
 * found by root=PARTLABEL=SLX_SYS. The seed sets the hostname (meta-data) and writes a file
 * (user-data); imgtool's power_state request powers the guest off; result.json, the hostname and
 * the file are read offline (debugfs stands in for imgtool's ext4 reader behind the
 * {@link CloudInitResultReader} hook).
 *
 * <p>Slow (debootstrap downloads ~100 MB once; the boot takes minutes under TCG) and it needs
 * Debian's mirror, so it runs only with {@code -Pcloud-init}:
 * {@code mvn -Pcloud-init -pl qemu -am test -Dtest=CloudInitGuestTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("cloud-init")
class CloudInitGuestTest {

    static final long PART_START = 1L << 20;
    static final long PART_SIZE = 2L << 30;
    static final String MIRROR = System.getProperty("imgtool.debian.mirror", "http://deb.debian.org/debian");

    @TempDir
    Path dir;

    /** The debootstrapped tree, built once and kept; completed by a stamp file. */
    static Path rootfs(TestKernel k) throws IOException {
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "imgtool", "bookworm-cloud-init");
        Path stamp = cache.resolve(".imgtool-complete");
        if (!Files.exists(stamp)) {
            ReferenceTools.require("debootstrap");
            if (Files.exists(cache)) {
                ReferenceTools.runOk("rm", "-rf", "--one-file-system", cache.toString());
            }
            // locales: cloud-init's locale module runs locale-gen and update-locale, which minbase lacks
            // (without them cloud-init reports an error, and imgtool rightly fails the run).
            // python3-cffi-backend by name: debootstrap does not resolve the virtual packages
            // (python3-cffi-backend-api-*) python3-cryptography depends on, and cloud-init needs it.
            ReferenceTools.run(Duration.ofMinutes(30), null, "debootstrap", "--variant=minbase",
                    "--include=systemd-sysv,udev,kmod,locales,cloud-init,python3-cffi-backend", "bookworm", cache.toString(), MIRROR).assertOk();
            // cloud-init's locale module sets en_US.UTF-8, which must exist (Debian's locale-gen reads
            // /etc/locale.gen); a real cloud image ships it generated.
            Files.writeString(cache.resolve("etc/locale.gen"), "en_US.UTF-8 UTF-8\n");
            ReferenceTools.run(Duration.ofMinutes(5), null, "chroot", cache.toString(), "locale-gen").assertOk();
            // Only NoCloud: no probing of cloud metadata services.
            Files.writeString(cache.resolve("etc/cloud/cloud.cfg.d/90-imgtool-test.cfg"),
                    "datasource_list: [ NoCloud, None ]\n");
            Files.writeString(stamp, "debootstrap bookworm minbase + systemd-sysv udev kmod locales cloud-init python3-cffi-backend\n");
        }
        // The guest runs the host's kernel: it needs that kernel's modules (isofs for the seed).
        Path modules = cache.resolve("lib/modules").resolve(k.version());
        if (!Files.exists(modules)) {
            Files.createDirectories(modules.getParent());
            ReferenceTools.runOk("cp", "-a", k.modules().toString(), modules.toString());
        }
        return cache;
    }

    /** Reads guest files from the raw disk's ext4 partition with debugfs (imgtool's ext4 reader later). */
    static CloudInitResultReader.GuestFiles debugfs(long offset) {
        return (image, format, guestPath) -> {
            if (format != DiskFormat.RAW) {
                throw new IllegalArgumentException("debugfs reads raw disks only");
            }
            ReferenceTools.Result r = ReferenceTools.run(Duration.ofMinutes(2), null, "debugfs", "-R",
                    "cat " + guestPath, image + "?offset=" + offset);
            if (r.exit() != 0 || r.stderr().contains("not found")) {
                return Optional.empty();
            }
            return Optional.of(r.stdout().getBytes(StandardCharsets.UTF_8));
        };
    }

    @Test
    void noCloudSetsTheHostnameAndWritesAFileThenPowersOff() throws Exception {
        TestGuest.qemu();
        TestKernel k = TestKernel.require();
        Assumptions.assumeTrue(Files.isReadable(k.initrd()), "no initrd for " + k.version());
        Path tree = rootfs(k);

        Path disk = dir.resolve("disk.raw");
        try (var f = new java.io.RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(PART_START + PART_SIZE + (1 << 20));   // sparse
        }
        ReferenceTools.runOk("sgdisk", "-n", "1:" + (PART_START / 512) + ":+" + (PART_SIZE >> 20) + "M",
                "-c", "1:" + SlxTestGuest.PARTLABEL, "-t", "1:8304", disk.toString());
        ReferenceTools.run(Duration.ofMinutes(10), null, "mkfs.ext4", "-q", "-F", "-E", "offset=" + PART_START,
                "-d", tree.toString(), disk.toString(), (PART_SIZE >> 20) + "M").assertOk();

        String userData = "#cloud-config\n"
                + "write_files:\n"
                + "  - path: /etc/imgtool-cloud-init-test\n"
                + "    content: |\n"
                + "      written by cloud-init from imgtool's seed\n";
        NoCloudSeed seed = NoCloudSeed.builder()
                .userData(UserData.compose(userData.getBytes(StandardCharsets.UTF_8), null, true))
                .hostname("imgtool-ci").build();
        Path out = dir.resolve("out.raw");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        BootResult r = BootRunner.builder().disk(disk, DiskFormat.RAW)
                .kernel(k.kernel(), k.initrd(), "console=ttyS0 root=PARTLABEL=" + SlxTestGuest.PARTLABEL + " rw")
                .seed(seed).memory(1L << 30).cpus(2).accel(Accel.AUTO).network(false)
                .timeout(Duration.ofMinutes(20)).console(console).workDir(dir).output(out)
                .cloudInitResultReader(CloudInitResultReader.fromGuestFiles(debugfs(PART_START)))
                .build().run();
        String text = console.toString(StandardCharsets.UTF_8);
        System.out.println("cloud-init guest boot-to-poweroff (" + r.accel() + "): " + r.timings().guest().toMillis()
                + " ms; " + r.message());
        assertThat(r.outcome()).as(r.message() + "\n" + String.join("\n", r.consoleTail())).isEqualTo(BootOutcome.POWERED_OFF);
        assertThat(r.cloudInit()).as("result.json read offline").isNotNull();
        assertThat(r.cloudInit().ok()).as(r.cloudInit().summary()).isTrue();
        assertThat(r.cloudInit().usedNoCloud()).as(r.cloudInit().datasource()).isTrue();
        // cloud-init's final stage ran to its end on the console; power_state then powered the guest off.
        assertThat(text).containsPattern("Cloud-init v\\. \\S+ finished at .* Datasource DataSourceNoCloud");

        CloudInitResultReader.GuestFiles files = debugfs(PART_START);
        assertThat(new String(files.read(out, DiskFormat.RAW, "/etc/hostname").orElseThrow(), StandardCharsets.UTF_8).strip())
                .isEqualTo("imgtool-ci");
        assertThat(new String(files.read(out, DiskFormat.RAW, "/etc/imgtool-cloud-init-test").orElseThrow(),
                StandardCharsets.UTF_8)).isEqualTo("written by cloud-init from imgtool's seed\n");
        // The input was only read.
        assertThat(files.read(disk, DiskFormat.RAW, "/etc/imgtool-cloud-init-test")).isEmpty();
    }
}
