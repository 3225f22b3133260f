package io.imgtool.sysprep.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.ImageException;
import io.imgtool.sysprep.Change;
import io.imgtool.sysprep.SysprepOptions;
import io.imgtool.sysprep.inspect.TestImages;
import io.imgtool.sysprep.sample.UsedGuestTree;
import io.imgtool.testdata.DebianDisk;
import io.imgtool.testdata.GuestTree;
import io.imgtool.testdata.ReferenceTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sealing that writes (through the ext4 writer): the real Debian guest sealed to a new image is
 * accepted by qemu-img, sgdisk and e2fsck, holds exactly the changes the dry run listed, keeps the
 * trap links' targets, and seals to nothing new a second time; MBR and bare raw images sealed in
 * place; with the free space kept, {@code --scrub-deleted} leaves no byte of a removed file in the
 * image (without it they stay).
 */
class SealWritesTest {

    @TempDir
    static Path dir;
    static Path image;

    @BeforeAll
    static void tools() throws Exception {
        ReferenceTools.requireAll("qemu-img", "sgdisk", "e2fsck", "mkfs.ext4", "sfdisk");
        image = DebianImages.used();
    }

    private static Sealer.Builder defaults(Path input) {
        return Sealer.builder().input(input).options(SysprepOptions.builder().random(new Random(3)).build());
    }

    @Test
    void theDebianGuestSealedToANewImageHoldsExactlyTheListedChanges() throws Exception {
        String before = SealerOutputTest.sha256(image);
        SealReport dry = defaults(image).dryRun(true).build().seal();
        Path out = Files.createDirectories(dir.resolve("debian")).resolve("golden.qcow2");
        SealReport r = defaults(image).output(out).checksums().build().seal();
        assertThat(SealerOutputTest.sha256(image)).as("the input is only read").isEqualTo(before);
        assertThat(describe(r.changes())).isEqualTo(describe(dry.changes())).hasSizeGreaterThan(100);

        ReferenceTools.runOk("qemu-img", "check", out.toString());
        Path raw = dir.resolve("debian/golden.raw");
        ReferenceTools.runOk("qemu-img", "convert", "-O", "raw", out.toString(), raw.toString());
        assertThat(ReferenceTools.runOk("sgdisk", "-v", raw.toString()).stdout()).contains("No problems found");
        ReferenceTools.runOk("e2fsck", "-fn", raw + "?offset=" + DebianDisk.ROOT_START_SECTOR * 512);
        Files.delete(raw); // the guest's size again: keep the suite's peak disk use down

        // What the listing of the sealed root shows is what the report says, entry for entry.
        Map<String, GuestTree.Node> was = DebianGuestTest.listing(image);
        Map<String, GuestTree.Node> now = DebianGuestTest.listing(out);
        Set<String> seen = io.imgtool.sysprep.ops.VirtSysprepComparisonTest.changes(was, now);
        Set<String> reported = new TreeSet<>();
        for (Change c : r.changes()) {
            if (c.kind() == Change.Kind.REMOVED || c.kind() == Change.Kind.TRUNCATED) {
                reported.add(c.kind().label() + " " + c.path());
            }
        }
        assertThat(seen).containsAll(reported);
        assertThat(now).doesNotContainKeys("/etc/ssh/ssh_host_ed25519_key", "/var/lib/cloud/instance",
                "/root/.bash_history");
        assertThat(now.get("/etc/machine-id").size()).isZero();
        assertThat(now).containsKeys("/etc/passwd", "/etc/shadow", "/etc/fstab", "/etc/ssh/sshd_config");

        // Sealing the sealed image again finds nothing left to do (a dry run lists what a run does,
        // as the first assertion shows).
        SealReport again = defaults(out).dryRun(true).build().seal();
        assertThat(describe(again.changes())).isEmpty();
    }

    @Test
    void anMbrImageSealedInPlaceKeepsTheTrapTargets() throws Exception {
        Path img = TestImages.mbr(Files.createDirectories(dir.resolve("mbr")), UsedGuestTree.debian());
        byte[] passwd = read(img, "/etc/passwd");
        SealReport r = defaults(img).inPlace(true).build().seal();
        assertThat(r.mode()).isEqualTo("in-place");
        assertThat(r.changes()).isNotEmpty();
        ReferenceTools.runOk("e2fsck", "-fn", img + "?offset=" + (1 << 20));
        assertThat(read(img, "/etc/passwd")).isEqualTo(passwd);
        Map<String, GuestTree.Node> now = DebianGuestTest.listing(img);
        for (String trap : UsedGuestTree.trapLinks()) {
            if (now.containsKey(trap)) {
                assertThat(now.get(trap).type()).as(trap).isEqualTo('l');
            }
        }
        assertThat(describe(defaults(img).inPlace(true).checksums().build().seal().changes())).isEmpty();
    }

    @Test
    void scrubDeletedLeavesNoByteOfARemovedFileInARawImage() throws Exception {
        byte[] secret = "template-host systemd[1]: Started session.".getBytes(StandardCharsets.UTF_8);
        Path plain = TestImages.bare(Files.createDirectories(dir.resolve("plain")), UsedGuestTree.debian());
        Path scrubbed = TestImages.bare(Files.createDirectories(dir.resolve("scrub")), UsedGuestTree.debian());
        assertThat(count(plain, secret)).isPositive();

        defaults(plain).inPlace(true).keepFreeSpace(true).build().seal();
        assertThat(count(plain, secret)).as("unlinked only: the bytes stay in free space").isPositive();

        SealReport r = Sealer.builder().input(scrubbed).inPlace(true).keepFreeSpace(true)
                .options(SysprepOptions.builder().random(new Random(3)).scrub(true, io.imgtool.sysprep.ScrubHook.NONE).build()).build().seal();
        assertThat(r.changes()).anyMatch(c -> c.path().equals("/var/log/syslog"));
        assertThat(count(scrubbed, secret)).as("scrubbed").isZero();
        ReferenceTools.runOk("e2fsck", "-fn", scrubbed.toString());
    }

    @Test
    void anFstabNamingAMissingPartitionIsAClearErrorAndNothingIsWritten() throws Exception {
        Path img = TestImages.missingPartition(Files.createDirectories(dir.resolve("missing")), UsedGuestTree.debian());
        String before = SealerOutputTest.sha256(img);
        assertThatThrownBy(() -> defaults(img).inPlace(true).build().seal()).isInstanceOf(ImageException.class)
                .hasMessageContaining("/srv").hasMessageContaining(TestImages.MISSING_UUID);
        assertThat(SealerOutputTest.sha256(img)).isEqualTo(before);
    }

    private static Set<String> describe(List<Change> changes) {
        return changes.stream().map(c -> c.kind().label() + " " + c.path()).collect(Collectors.toCollection(TreeSet::new));
    }

    private static byte[] read(Path img, String path) throws Exception {
        return DebianBootTest.read(img, path).orElseThrow().getBytes(StandardCharsets.UTF_8);
    }

    /** Occurrences of {@code needle} in the file's bytes. */
    private static int count(Path file, byte[] needle) throws Exception {
        byte[] all = Files.readAllBytes(file);
        int n = 0;
        outer:
        for (int i = 0; i + needle.length <= all.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (all[i + j] != needle[j]) {
                    continue outer;
                }
            }
            n++;
        }
        return n;
    }
}
