package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.RawFileDevice;
import io.imgtool.testdata.JavaChild;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.TreeSnapshot;
import io.imgtool.testdata.Trees;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * zero-free on a raw image where the JVM can call fallocate (Java 22+, a child JVM; the build runs
 * on 17, whose fallback path {@link FreeSpaceTest} covers): free blocks that held data read as zero
 * and keep their storage as zerofree leaves them (unwritten extents, no bytes written); with
 * {@code discard} they become holes. Either way the holes stay holes, the files are untouched and
 * e2fsck is clean.
 */
class ZeroFreeNativeTest {

    private static final long MIB = 1 << 20;

    @Test
    void zeroesKeepStorageAndDiscardPunchesHoles() throws Exception {
        ReferenceTools.require("dumpe2fs");
        ReferenceTools.require("stat");
        JavaChild.Java jdk = JavaChild.requireJava(22, "the fallocate paths cannot run here");
        Path work = Images.scratch("zero-free-native");
        Path tree = work.resolve("tree");
        Trees.build(tree, Trees.Spec.plain(5));
        Path img = Images.mkfs(work.resolve("f.img"), "mkfs.ext4", List.of("-b", "4096"), tree, "64M");
        Map<String, TreeSnapshot.Node> before;
        try (Ext4Volume vol = Images.open(img)) {
            before = TreeSnapshot.of(vol.fileSystem().getPath("/"), null, true);
        }
        // 8 MiB of garbage over free blocks (a deleted file's leftovers), the rest of the free space holes.
        List<long[]> free = FreeSpaceTest.dumpe2fsFree(img, 4096);
        long garbage = 0;
        try (RawFileDevice d = RawFileDevice.open(img, true)) {
            byte[] junk = new byte[(int) MIB];
            java.util.Arrays.fill(junk, (byte) 0xAB);
            for (long[] r : free) {
                for (long o = r[0]; o + MIB <= r[1] && garbage < 8 * MIB; o += MIB) {
                    d.write(ByteBuffer.wrap(junk), o);
                    garbage += MIB;
                }
            }
        }
        assertThat(garbage).isEqualTo(8 * MIB);
        Path zeroed = work.resolve("zeroed.img");
        Path discarded = work.resolve("discarded.img");
        ReferenceTools.runOk("cp", "--sparse=always", img.toString(), zeroed.toString());
        ReferenceTools.runOk("cp", "--sparse=always", img.toString(), discarded.toString());
        long allocated = allocatedBytes(zeroed);
        assertThat(allocatedBytes(discarded)).isEqualTo(allocated);

        runChild(jdk, zeroed);
        runChild(jdk, discarded, "discard");

        for (Path p : List.of(zeroed, discarded)) {
            FreeSpaceTest.assertFreeReadsZero(p, free);
            assertThat(Fsck.problems(p)).as(p.getFileName().toString()).isNull();
            try (Ext4Volume vol = Images.open(p)) {
                assertThat(TreeSnapshot.diff(before, TreeSnapshot.of(vol.fileSystem().getPath("/"), null, true))).isEmpty();
            }
        }
        // Holes were not filled by zeroing (the free space is mostly holes: filling them would add
        // tens of MiB; the volume's own metadata writes, a journal block or two, may add a few blocks);
        // the garbage's storage went away only with discard, where the scratch filesystem can punch
        // holes (any Linux disk filesystem; tmpfs too).
        long metadataSlack = 16 * 4096;
        assertThat(allocatedBytes(zeroed)).as("allocation after zero-free").isLessThanOrEqualTo(allocated + metadataSlack);
        if (supports(work, "-z")) {
            assertThat(allocatedBytes(zeroed)).as("zero-free keeps the storage (ZERO_RANGE)")
                    .isBetween(allocated, allocated + metadataSlack);
        }
        if (supports(work, "-p")) {
            assertThat(allocatedBytes(discarded)).as("discard punches the garbage out")
                    .isLessThanOrEqualTo(allocated - garbage + metadataSlack);
        }
    }

    private static void runChild(JavaChild.Java jdk, Path img, String... mode) throws Exception {
        String[] args = new String[mode.length + 1];
        args[0] = img.toString();
        System.arraycopy(mode, 0, args, 1, mode.length);
        Process p = JavaChild.start(jdk.binary(), jdk.feature(), ZeroFreeChild.class, args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(Long.parseLong(out)).as("free bytes reported").isPositive();
    }

    /** The file's allocated storage in bytes (stat's block count, 512-byte units). */
    private static long allocatedBytes(Path f) {
        return Long.parseLong(ReferenceTools.runOk("stat", "-c", "%b", f.toString()).stdout().strip()) * 512;
    }

    /** Whether util-linux fallocate with {@code mode} (-z zero range, -p punch) works in {@code dir}. */
    private static boolean supports(Path dir, String mode) throws IOException {
        Path probe = dir.resolve("probe" + mode);
        Files.write(probe, new byte[8192]);
        try {
            return ReferenceTools.run("fallocate", mode, "-o", "0", "-l", "4096", probe.toString()).exit() == 0;
        } finally {
            Files.deleteIfExists(probe);
        }
    }
}
