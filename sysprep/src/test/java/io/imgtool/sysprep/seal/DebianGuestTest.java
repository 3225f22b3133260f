package io.imgtool.sysprep.seal;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.BlockDevice;
import io.imgtool.qcow2.DiskImage;
import io.imgtool.sysprep.Change;
import io.imgtool.sysprep.Selection;
import io.imgtool.sysprep.SysprepOptions;
import io.imgtool.sysprep.inspect.Guest;
import io.imgtool.sysprep.inspect.GuestInspection;
import io.imgtool.testdata.GuestTree;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.UsedDebian;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real guest: Debian bookworm from Debian's packages (systemd, openssh-server, cloud-init, the
 * cloud kernel) with a used look, on a Debian-cloud-like GPT disk. Inspection, a dry run that changes
 * no byte, and THE reference comparison on the same image: the removed and truncated paths of
 * virt-sysprep's run equal imgtool's, for the operations both have.
 */
class DebianGuestTest {

    @TempDir
    Path dir;

    static Path image;

    @BeforeAll
    static void build() throws IOException {
        image = DebianImages.used();
    }

    @Test
    void inspectionSeesTheRealGuest() throws Exception {
        try (BlockDevice disk = DiskImage.open(image, false)) {
            GuestInspection i = Guest.inspect(disk);
            assertThat(i.rootPartition()).isEqualTo(1);
            assertThat(i.os().prettyName()).isEqualTo("Debian GNU/Linux 12 (bookworm)");
            assertThat(i.kernels()).isNotEmpty().allSatisfy(k -> {
                assertThat(k.version()).matches("6\\.1\\.0-\\d+-cloud-amd64");
                assertThat(k.initrd()).isEqualTo("/boot/initrd.img-" + k.version());
            });
            assertThat(i.cloudInit().installed()).isTrue();
            assertThat(i.cloudInit().hasRun()).isTrue();
            assertThat(i.cloudInit().instanceId()).isEqualTo(UsedDebian.INSTANCE_ID);
            assertThat(i.cloudInit().datasource()).isEqualTo("DataSourceNoCloud");
            assertThat(i.fstab()).extracting(f -> f.entry().mountPoint() + " " + f.status())
                    .containsExactly("/ ROOT", "/boot/efi NOT_OPENED");
            assertThat(i.hostname()).isEqualTo("template-host");
        }
    }

    @Test
    void dryRunChangesNoByte() throws Exception {
        String before = SealerOutputTest.sha256(image);
        long mtime = Files.getLastModifiedTime(image).toMillis();
        SealReport r = Sealer.builder().input(image).dryRun(true).labelRoot("SLX_SYS").newUuids(true)
                .options(SysprepOptions.builder().random(new Random(1)).build()).build().seal();
        assertThat(SealerOutputTest.sha256(image)).isEqualTo(before);
        assertThat(Files.getLastModifiedTime(image).toMillis()).isEqualTo(mtime);
        assertThat(r.changes()).extracting(c -> c.kind() + " " + c.path()).contains(
                "REMOVED /var/log/journal/" + machineId() + "/system.journal", "REMOVED /var/log/evil.log",
                "REMOVED /var/lib/cloud/instance", "REMOVED /etc/ssh/ssh_host_ed25519_key", "TRUNCATED /etc/machine-id",
                "REMOVED /var/lib/dhcp/dhclient.ens3.leases", "CHANGED /etc/fstab");
        assertThat(r.space().filesystemFree()).isGreaterThan(2L << 30);
    }

    private static String machineId() throws IOException {
        return Files.readString(io.imgtool.testdata.DebianGuest.usedTree().resolve("etc/machine-id")).strip();
    }

    /** The operations of virt-sysprep 1.48 that imgtool has too (as in VirtSysprepComparisonTest). */
    static final List<String> SHARED = io.imgtool.sysprep.ops.VirtSysprepComparisonTest.SHARED;

    @Test
    void removedAndTruncatedPathsEqualVirtSysprepsOnTheSameImage() throws Exception {
        Path vs = ReferenceTools.require("virt-sysprep");
        Path theirs = DebianImages.overlay(dir.resolve("theirs.qcow2"));
        ReferenceTools.Result res = ReferenceTools.run(Duration.ofMinutes(15), null, "/usr/bin/env",
                "LIBGUESTFS_BACKEND=direct", "LIBGUESTFS_BACKEND_SETTINGS=force_tcg", vs.toString(), "--format", "qcow2",
                "-a", theirs.toString(), "--operations", String.join(",", SHARED));
        if (res.exit() != 0) {
            String msg = "virt-sysprep cannot run here: " + res.describe();
            if (ReferenceTools.isCi() || !res.stderr().contains("launch")) {
                throw new AssertionError(msg);
            }
            System.err.println("\n*** SKIPPED: " + msg + " ***\n");
            Assumptions.abort(msg);
        }
        Map<String, GuestTree.Node> before = listing(image);
        Map<String, GuestTree.Node> after = listing(theirs);
        Set<String> theirChanges = io.imgtool.sysprep.ops.VirtSysprepComparisonTest.changes(before, after);

        SealReport ours = Sealer.builder().input(image).dryRun(true)
                .selection(Selection.defaults().operations(String.join(",", SHARED)))
                .options(SysprepOptions.builder().random(new Random(5)).build()).build().seal();
        Set<String> ourChanges = new TreeSet<>();
        for (Change c : ours.changes()) {
            ourChanges.add(c.kind().label() + " " + c.path());
        }
        Set<String> diff = new TreeSet<>();
        ourChanges.stream().filter(c -> !theirChanges.contains(c)).forEach(c -> diff.add("imgtool-only: " + c));
        theirChanges.stream().filter(c -> !ourChanges.contains(c)).forEach(c -> diff.add("virt-sysprep-only: " + c));
        System.err.println("virt-sysprep on the Debian image: " + theirChanges.size() + " changes, imgtool "
                + ourChanges.size() + "; differences:\n  " + String.join("\n  ", diff));
        assertThat(theirChanges).hasSizeGreaterThan(100);
        assertThat(diff).isEqualTo(DELIBERATE);

        // Not only the list: imgtool's sealed image (an overlay sealed in place with the same
        // operations) differs from the original exactly as virt-sysprep's does.
        Path mine = DebianImages.overlay(dir.resolve("ours.qcow2"));
        Sealer.builder().input(mine).inPlace(true).selection(Selection.defaults().operations(String.join(",", SHARED)))
                .options(SysprepOptions.builder().random(new Random(5)).build()).build().seal();
        assertThat(io.imgtool.sysprep.ops.VirtSysprepComparisonTest.changes(before, listing(mine)))
                .isEqualTo(theirChanges);
    }

    /** Differences on purpose (docs/sysprep.md), as "imgtool-only:" / "virt-sysprep-only:" + change. */
    static final Set<String> DELIBERATE = Set.of();

    /** Every entry of the guest's root filesystem, read with imgtool's ext4 reader. */
    static Map<String, GuestTree.Node> listing(Path img) throws IOException {
        try (BlockDevice disk = DiskImage.open(img, false); Guest g = Guest.open(disk, Guest.Options.builder().build())) {
            return GuestTree.list(g.root());
        }
    }
}
