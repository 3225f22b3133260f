package io.imgtool.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryDeviceTest {

    @Test
    void writesAcrossChunksReadBack() throws Exception {
        MemoryDevice d = new MemoryDevice(1L << 40); // 1 TiB costs nothing until written
        byte[] data = new byte[200_000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + 7);
        }
        long at = (1L << 40) - data.length - 12345;
        d.write(ByteBuffer.wrap(data), at);
        assertThat(d.readBytes(at, data.length)).isEqualTo(data);
        assertThat(d.readBytes(0, 16)).containsOnly(0);
        assertThat(d.allocatedBytes()).isLessThanOrEqualTo(5L * MemoryDevice.CHUNK);
    }

    @Test
    void extentsDescribeWrittenChunksAndMerge() throws Exception {
        MemoryDevice d = new MemoryDevice(10L * MemoryDevice.CHUNK);
        d.write(ByteBuffer.wrap(new byte[] {1}), 2L * MemoryDevice.CHUNK + 5);
        d.write(ByteBuffer.wrap(new byte[] {1}), 3L * MemoryDevice.CHUNK);
        List<Extent> map = d.extents(0, d.size());
        assertThat(map).containsExactly(
                new Extent(0, 2L * MemoryDevice.CHUNK, Allocation.UNALLOCATED),
                new Extent(2L * MemoryDevice.CHUNK, 2L * MemoryDevice.CHUNK, Allocation.DATA),
                new Extent(4L * MemoryDevice.CHUNK, 6L * MemoryDevice.CHUNK, Allocation.UNALLOCATED));
        // A window that starts and ends inside chunks is clipped exactly.
        assertThat(d.extents(2L * MemoryDevice.CHUNK + 10, 100))
                .containsExactly(new Extent(2L * MemoryDevice.CHUNK + 10, 100, Allocation.DATA));
    }

    @Test
    void writeZeroesFreesWholeChunksAndZeroesPartialOnes() throws Exception {
        MemoryDevice d = new MemoryDevice(4L * MemoryDevice.CHUNK);
        byte[] ones = new byte[(int) d.size()];
        java.util.Arrays.fill(ones, (byte) 1);
        d.write(ByteBuffer.wrap(ones), 0);
        d.writeZeroes(100, 2L * MemoryDevice.CHUNK);
        assertThat(d.allocatedBytes()).isEqualTo(3L * MemoryDevice.CHUNK);
        byte[] back = d.readBytes(0, (int) d.size());
        for (int i = 0; i < back.length; i++) {
            assertThat(back[i]).as("byte %d", i).isEqualTo((byte) (i >= 100 && i < 100 + 2 * MemoryDevice.CHUNK ? 0 : 1));
        }
    }

    @Test
    void shrinkThenGrowReadsZeroes() throws Exception {
        MemoryDevice d = new MemoryDevice(3 * MemoryDevice.CHUNK);
        byte[] ones = new byte[3 * MemoryDevice.CHUNK];
        java.util.Arrays.fill(ones, (byte) 9);
        d.write(ByteBuffer.wrap(ones), 0);
        d.resize(MemoryDevice.CHUNK + 10);
        d.resize(3 * MemoryDevice.CHUNK);
        byte[] back = d.readBytes(0, 3 * MemoryDevice.CHUNK);
        assertThat(back[MemoryDevice.CHUNK + 9]).isEqualTo((byte) 9);
        assertThat(back[MemoryDevice.CHUNK + 10]).isZero();
        assertThat(back[3 * MemoryDevice.CHUNK - 1]).isZero();
    }

    @Test
    void outOfRangeAndReadOnlyAreTypedErrors() throws Exception {
        MemoryDevice d = new MemoryDevice(100);
        assertThatThrownBy(() -> d.read(ByteBuffer.allocate(10), 95))
                .isInstanceOfSatisfying(ImageException.class,
                        e -> assertThat(e.kind()).isEqualTo(ImageException.Kind.OUT_OF_RANGE));
        assertThatThrownBy(() -> d.read(ByteBuffer.allocate(1), -1)).isInstanceOf(ImageException.class);
        assertThatThrownBy(() -> d.readOnlyCopy().write(ByteBuffer.allocate(1), 0))
                .isInstanceOfSatisfying(ImageException.class,
                        e -> assertThat(e.kind()).isEqualTo(ImageException.Kind.READ_ONLY));
    }
}
