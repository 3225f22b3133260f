package io.imgtool.sysprep.seal;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.Allocation;
import io.imgtool.core.Extent;
import io.imgtool.core.MemoryDevice;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** The trimmed view against a model: dropped ranges read as zero and are UNALLOCATED, the rest is the source. */
class TrimmedDeviceTest {

    @Property(tries = 200)
    void readsAndExtentsFollowTheModel(@ForAll @LongRange(min = 1, max = 1_000_000) long seed,
                                       @ForAll @IntRange(min = 0, max = 12) int drops) throws Exception {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        int size = 1 << 16;
        MemoryDevice src = new MemoryDevice(size);
        byte[] model = new byte[size];
        for (int i = 0; i < 10; i++) {
            int off = r.nextInt(size - 4096);
            int len = 1 + r.nextInt(4096);
            byte[] b = new byte[len];
            for (int k = 0; k < len; k++) {
                b[k] = (byte) (1 + r.nextInt(255));
            }
            src.write(ByteBuffer.wrap(b), off);
            System.arraycopy(b, 0, model, off, len);
        }
        List<Extent> dropped = new ArrayList<>();
        boolean[] isDropped = new boolean[size];
        for (int i = 0; i < drops; i++) {
            int off = r.nextInt(size - 1);
            int len = 1 + r.nextInt(Math.min(8192, size - off));
            dropped.add(new Extent(off, len, Allocation.UNALLOCATED));
            for (int k = off; k < off + len; k++) {
                isDropped[k] = true;
                model[k] = 0;
            }
        }
        TrimmedDevice t = new TrimmedDevice(src, dropped);
        // Reads of random windows equal the model.
        for (int i = 0; i < 20; i++) {
            int off = r.nextInt(size);
            int len = r.nextInt(size - off + 1);
            ByteBuffer b = ByteBuffer.allocate(len);
            t.read(b, off);
            assertThat(b.position()).isEqualTo(len);
            assertThat(java.util.Arrays.copyOf(b.array(), len)).isEqualTo(java.util.Arrays.copyOfRange(model, off, off + len));
        }
        // Extents cover the range exactly, and every dropped byte is in an UNALLOCATED extent.
        int off = r.nextInt(size);
        int len = 1 + r.nextInt(size - off);
        List<Extent> ext = t.extents(off, len);
        long pos = off;
        for (Extent e : ext) {
            assertThat(e.offset()).isEqualTo(pos);
            for (long k = e.offset(); k < e.end(); k++) {
                if (isDropped[(int) k]) {
                    assertThat(e.allocation()).isEqualTo(Allocation.UNALLOCATED);
                }
            }
            pos = e.end();
        }
        assertThat(pos).isEqualTo(off + len);
        // Bytes of data dropped = dropped bytes that the source reports as DATA.
        long expected = 0;
        for (Extent e : src.extents(0, size)) {
            if (e.allocation() == Allocation.DATA) {
                for (long k = e.offset(); k < e.end(); k++) {
                    expected += isDropped[(int) k] ? 1 : 0;
                }
            }
        }
        assertThat(t.droppedData()).isEqualTo(expected);
    }
}
