package io.imgtool.qcow2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.Allocation;
import io.imgtool.core.BlockDevice;
import io.imgtool.core.Extent;
import io.imgtool.core.ImageException;
import io.imgtool.core.MemoryDevice;
import io.imgtool.testdata.ReferenceTools;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The converter's contract beyond the layouts: sparse reading, all-or-nothing output, raw holes. */
class ImageConverterTest {

    @TempDir
    Path dir;

    /** A source that fails its n-th read, and counts what it was asked to read. */
    static final class FailingSource implements BlockDevice {
        final BlockDevice inner;
        final int failAt;
        final AtomicInteger reads = new AtomicInteger();
        final List<long[]> ranges = new ArrayList<>();

        FailingSource(BlockDevice inner, int failAt) {
            this.inner = inner;
            this.failAt = failAt;
        }

        @Override
        public long size() {
            return inner.size();
        }

        @Override
        public boolean isWritable() {
            return false;
        }

        @Override
        public synchronized void read(ByteBuffer dst, long offset) throws IOException {
            if (reads.incrementAndGet() == failAt) {
                throw new ImageException(ImageException.Kind.IO, "injected read failure");
            }
            ranges.add(new long[] {offset, dst.remaining()});
            inner.read(dst, offset);
        }

        @Override
        public void write(ByteBuffer src, long offset) throws IOException {
            throw ImageException.readOnly("source");
        }

        @Override
        public void flush() {
        }

        @Override
        public List<Extent> extents(long offset, long length) throws IOException {
            return inner.extents(offset, length);
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }

    @Test
    void aFailedConversionLeavesNothingBehind() throws Exception {
        byte[] content = TestImages.mixedContent(5, 12 << 20);
        for (boolean compress : new boolean[] {false, true}) {
            for (String format : new String[] {"qcow2", "raw"}) {
                if (compress && format.equals("raw")) {
                    continue;
                }
                Path out = dir.resolve("failed-" + compress + "." + format);
                MemoryDevice mem = new MemoryDevice(content.length);
                mem.write(ByteBuffer.wrap(content), 0);
                ImageConverter.Options o = format.equals("raw") ? ImageConverter.Options.raw()
                        : ImageConverter.Options.qcow2(Qcow2Options.builder().size(0).build(), compress);
                assertThatThrownBy(() -> ImageConverter.convert(new FailingSource(mem, 3), out, o))
                        .hasMessageContaining("injected read failure");
                assertThat(out).doesNotExist();
                try (var files = Files.list(dir)) {
                    assertThat(files.filter(p -> p.getFileName().toString().contains("failed-"))).isEmpty();
                }
            }
        }
    }

    @Test
    void onlyDataExtentsAreRead() throws Exception {
        // Data at 1 MiB and at 1 GiB - 4 KiB of a 1 GiB sparse device: nothing else may be read.
        long size = 1L << 30;
        BlockDevice sparse = new BlockDevice() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public boolean isWritable() {
                return false;
            }

            @Override
            public void read(ByteBuffer dst, long offset) {
                while (dst.hasRemaining()) {
                    long at = offset + dst.position();
                    dst.put((byte) (at >= 1 << 20 && at < (1 << 20) + 100 || at >= size - 10 ? 7 : 0));
                }
            }

            @Override
            public void write(ByteBuffer src, long offset) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void flush() {
            }

            @Override
            public List<Extent> extents(long offset, long length) {
                List<Extent> out = new ArrayList<>();
                long[][] data = {{1 << 20, 4096}, {size - 4096, 4096}};
                long pos = offset;
                long end = offset + length;
                for (long[] d : data) {
                    long a = Math.max(pos, d[0]);
                    long b = Math.min(end, d[0] + d[1]);
                    if (a >= b) {
                        continue;
                    }
                    if (a > pos) {
                        out.add(new Extent(pos, a - pos, Allocation.UNALLOCATED));
                    }
                    out.add(new Extent(a, b - a, Allocation.DATA));
                    pos = b;
                }
                if (pos < end) {
                    out.add(new Extent(pos, end - pos, Allocation.UNALLOCATED));
                }
                return out;
            }

            @Override
            public void close() {
            }
        };
        FailingSource counting = new FailingSource(sparse, -1);
        Path out = dir.resolve("sparse.qcow2");
        ImageConverter.Result r = ImageConverter.convert(counting, out,
                ImageConverter.Options.qcow2(Qcow2Options.builder().size(0).build(), false));
        long readBytes = counting.ranges.stream().mapToLong(x -> x[1]).sum();
        assertThat(readBytes).isEqualTo(2 * 65536); // the two clusters holding data, nothing else
        assertThat(r.bytesRead()).isEqualTo(readBytes);
        assertThat(r.plainClusters()).isEqualTo(2);
        try (Qcow2Image q = Qcow2Image.open(out, false)) {
            assertThat(q.readBytes((1 << 20) + 99, 2)).containsExactly(7, 0);
            assertThat(q.readBytes(size - 11, 11)).containsExactly(0, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7);
        }
        if (ReferenceTools.find("qemu-img") != null) {
            TestImages.assertQemuCheckClean(out);
        }
    }

    @Test
    void rawOutputIsSparseWhereTheSourceIsZero() throws Exception {
        ReferenceTools.require("qemu-img");
        Path q = dir.resolve("src.qcow2");
        TestImages.qemuImg("create", "-f", "qcow2", q.toString(), "256M");
        // Data, a zero-filled region written as data, a zero cluster, and a hole.
        TestImages.qemuIo(q, "write -P 1 0 1M", "write -P 0 1M 8M", "write -z 9M 1M", "write -P 2 200M 64k");
        Path raw = dir.resolve("out.raw");
        try (BlockDevice src = DiskImage.open(q, false)) {
            ImageConverter.convert(src, raw, ImageConverter.Options.raw());
        }
        assertThat(Files.size(raw)).isEqualTo(256L << 20);
        TestImages.assertSame(Files.readAllBytes(raw), TestImages.qemuRaw(q), "raw output");
        long blocks = Long.parseLong(ReferenceTools.runOk("stat", "-c", "%b", raw.toString()).stdout().strip());
        assertThat(blocks * 512).as("allocated bytes of the raw output").isLessThanOrEqualTo((1L << 20) + (64 << 10) + 65536);
    }
}
