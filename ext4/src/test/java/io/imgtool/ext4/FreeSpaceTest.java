package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.Allocation;
import io.imgtool.core.Extent;
import io.imgtool.core.RawFileDevice;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.TreeSnapshot;
import io.imgtool.testdata.Trees;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The free-space map against dumpe2fs' free block lists (BLOCK_UNINIT groups included), and
 * zero-free: every free block reads as zero afterwards, the files are untouched, e2fsck is clean.
 */
class FreeSpaceTest {

    /** dumpe2fs' "Free blocks: a-b, c" lists as merged byte extents. */
    static List<long[]> dumpe2fsFree(Path img, int bs) {
        String out = ReferenceTools.runOk("dumpe2fs", img.toString()).stdout();
        List<long[]> ranges = new ArrayList<>();
        Matcher m = Pattern.compile("^\\s+Free blocks: (.*)$", Pattern.MULTILINE).matcher(out);
        while (m.find()) {
            for (String part : m.group(1).split(",\\s*")) {
                if (part.isBlank()) {
                    continue;
                }
                String[] ab = part.trim().split("-");
                long a = Long.parseLong(ab[0]);
                long b = ab.length > 1 ? Long.parseLong(ab[1]) : a;
                if (!ranges.isEmpty() && ranges.get(ranges.size() - 1)[1] == a * bs) {
                    ranges.get(ranges.size() - 1)[1] = (b + 1) * bs;
                } else {
                    ranges.add(new long[] {a * bs, (b + 1) * bs});
                }
            }
        }
        return ranges;
    }

    private static List<long[]> asRanges(List<Extent> ex) {
        List<long[]> out = new ArrayList<>();
        for (Extent e : ex) {
            assertThat(e.allocation()).isEqualTo(Allocation.UNALLOCATED);
            out.add(new long[] {e.offset(), e.end()});
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"debian-defaults,mkfs.ext4,-b 4096", "1k-no-csum,mkfs.ext4,-b 1024 -O ^metadata_csum",
        "uninit_bg,mkfs.ext4,-O ^metadata_csum,uninit_bg", "ext2,mkfs.ext2,-b 2048"})
    void freeExtentsEqualDumpe2fsAndZeroFreeZeroesThem(String name, String mkfs, String args) throws IOException {
        ReferenceTools.require("dumpe2fs");
        Path work = Images.scratch("free-" + name);
        Path tree = work.resolve("tree");
        Trees.build(tree, Trees.Spec.plain(9));
        Path img = Images.mkfs(work.resolve("f.img"), mkfs, List.of(args.split(" ")), tree, "100M");
        int bs;
        try (Ext4Volume vol = Ext4Volume.openOwning(RawFileDevice.open(img, true),
                Ext4Options.builder().writable(true).build())) {
            bs = vol.superblock().blockSize();
            FileSystem fs = vol.fileSystem();
            Files.delete(fs.getPath("/files/size-3145745"));
            Files.write(fs.getPath("/new"), new byte[200_000]);
            List<long[]> ours = asRanges(vol.freeExtents()); // commits first
            assertThat(ours).usingElementComparator((a, b) -> a[0] == b[0] && a[1] == b[1] ? 0 : 1)
                    .containsExactlyElementsOf(dumpe2fsFree(img, bs));
        }
        Map<String, TreeSnapshot.Node> before;
        try (Ext4Volume vol = Images.open(img)) {
            before = TreeSnapshot.of(vol.fileSystem().getPath("/"), null, true);
        }
        // Fill free space with garbage, then zero it.
        List<long[]> free = dumpe2fsFree(img, bs);
        long total = 0;
        try (RawFileDevice d = RawFileDevice.open(img, true)) {
            byte[] junk = new byte[bs];
            java.util.Arrays.fill(junk, (byte) 0xAB);
            for (long[] r : free) {
                for (long o = r[0]; o < r[1]; o += bs * 97L) {
                    d.write(ByteBuffer.wrap(junk), o);
                }
                total += r[1] - r[0];
            }
        }
        try (Ext4Volume vol = Ext4Volume.openOwning(RawFileDevice.open(img, true),
                Ext4Options.builder().writable(true).build())) {
            assertThat(vol.zeroFree(false)).isEqualTo(total);
        }
        assertFreeReadsZero(img, free);
        assertThat(Fsck.problems(img)).isNull();
        try (Ext4Volume vol = Images.open(img)) {
            assertThat(TreeSnapshot.diff(before, TreeSnapshot.of(vol.fileSystem().getPath("/"), null, true))).isEmpty();
        }
    }

    /** Every byte of the byte ranges {@code free} of {@code img} reads as zero. */
    static void assertFreeReadsZero(Path img, List<long[]> free) throws IOException {
        try (RawFileDevice d = RawFileDevice.open(img, false)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            for (long[] r : free) {
                for (long o = r[0]; o < r[1]; o += buf.capacity()) {
                    buf.clear().limit((int) Math.min(buf.capacity(), r[1] - o));
                    d.read(buf, o);
                    buf.flip();
                    while (buf.hasRemaining()) {
                        assertThat(buf.get()).as(img.getFileName() + ": free byte at " + (o + buf.position() - 1)).isZero();
                    }
                }
            }
        }
    }
}
