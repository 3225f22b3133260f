package io.imgtool.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class SliceDeviceTest {

    @Test
    void addressesFromZeroAndStaysInside() throws Exception {
        MemoryDevice disk = new MemoryDevice(1 << 20);
        SliceDevice part = SliceDevice.of(disk, 4096, 8192 + (256 << 10));
        part.write(ByteBuffer.wrap("hello".getBytes()), 0);
        assertThat(new String(disk.readBytes(4096, 5))).isEqualTo("hello");
        assertThatThrownBy(() -> part.write(ByteBuffer.allocate(2), part.size() - 1))
                .isInstanceOf(ImageException.class);
        // The parent's map, translated: its first 64 KiB chunk holds the write, the rest is empty.
        assertThat(part.extents(0, part.size())).containsExactly(
                new Extent(0, 65536 - 4096, Allocation.DATA),
                new Extent(65536 - 4096, part.size() - (65536 - 4096), Allocation.UNALLOCATED));
    }

    @Test
    void sliceMustFitItsParent() {
        MemoryDevice disk = new MemoryDevice(1000);
        assertThatThrownBy(() -> SliceDevice.of(disk, 900, 200)).isInstanceOf(ImageException.class);
        assertThatThrownBy(() -> SliceDevice.of(disk, Long.MAX_VALUE, 2)).isInstanceOf(ImageException.class);
    }
}
