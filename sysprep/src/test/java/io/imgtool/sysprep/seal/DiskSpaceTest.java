package io.imgtool.sysprep.seal;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.Extent;
import io.imgtool.core.RawFileDevice;
import io.imgtool.testdata.ReferenceTools;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What DiskSpace drops on an MBR disk: gaps between and after partitions, swap past its header; never before the first partition. */
class DiskSpaceTest {

    @TempDir
    Path dir;

    @Test
    void mbrGapsSwapAndTheBootLoaderArea() throws Exception {
        ReferenceTools.require("sfdisk");
        ReferenceTools.require("mkswap");
        Path img = dir.resolve("mbr.img");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        // 1: 8 MiB at 4 MiB (a gap of 3 MiB before it, where GRUB's core image would be), 2: swap 8 MiB at
        // 16 MiB (a 4 MiB gap between), free space after 24 MiB.
        ReferenceTools.run(Duration.ofMinutes(1), "label: dos\nstart=8192, size=16384, type=83\nstart=32768, size=16384, type=82\n"
                .getBytes(), "sfdisk", "-q", img.toString()).assertOk();
        Path swap = dir.resolve("swap");
        try (RandomAccessFile f = new RandomAccessFile(swap.toFile(), "rw")) {
            f.setLength(8L << 20);
        }
        ReferenceTools.runOk("mkswap", swap.toString());
        ReferenceTools.runOk("dd", "if=" + swap, "of=" + img, "bs=1M", "seek=16", "conv=notrunc", "status=none");
        DiskSpace.Result r;
        try (BlockDevice d = RawFileDevice.open(img, false)) {
            r = DiskSpace.compute(d);
        }
        long mib = 1 << 20;
        assertThat(r.dropped()).containsExactly(
                new Extent(12 * mib, 4 * mib, io.imgtool.core.Allocation.UNALLOCATED),
                new Extent(16 * mib + 4096, 48 * mib - 4096, io.imgtool.core.Allocation.UNALLOCATED));
        assertThat(r.swap()).isEqualTo(8 * mib - 4096);
        assertThat(r.unpartitioned()).isEqualTo(4 * mib + 40 * mib);
        assertThat(r.filesystemFree()).isZero();
        assertThat(r.dropped()).noneMatch(e -> e.offset() < 4 * mib);
        List<String> notes = r.notes();
        assertThat(notes).isEmpty();
    }
}
