package io.imgtool.publish.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.zip.CRC32;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class XzFormatTest {

    @Test
    void dictionaryPropertyMatchesTheSpecTable() {
        assertThat(XzFormat.lzma2DictProperty(4096)).isZero();
        assertThat(XzFormat.lzma2DictProperty(6144)).isEqualTo(1);
        assertThat(XzFormat.lzma2DictProperty(8 << 20)).isEqualTo(22);
        assertThat(XzFormat.lzma2DictProperty((8 << 20) + 1)).isEqualTo(23);
        assertThat(XzFormat.lzma2DictProperty(64 << 20)).isEqualTo(28);
        assertThat(XzFormat.lzma2DictProperty(-1)).isEqualTo(40);
    }

    @Property
    void vliRoundTrips(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        XzFormat.writeVli(out, v);
        byte[] b = out.toByteArray();
        assertThat(b.length).isBetween(1, 9);
        long back = 0;
        for (int i = 0; i < b.length; i++) {
            assertThat((b[i] & 0x80) != 0).isEqualTo(i < b.length - 1);
            back |= (long) (b[i] & 0x7f) << (7 * i);
        }
        assertThat(back).isEqualTo(v);
        if (b.length > 1) {
            assertThat(b[b.length - 1]).as("minimal: no trailing zero byte").isNotZero();
        }
    }

    @Test
    void headersFootersAndIndexCarryValidCrcs() {
        byte[] h = XzFormat.streamHeader(XzFormat.CHECK_CRC64);
        assertThat(h).startsWith(XzFormat.HEADER_MAGIC);
        assertThat(h[7]).isEqualTo((byte) 4);
        assertThat(le32(h, 8)).isEqualTo(crc(h, 6, 2));

        byte[] bh = XzFormat.blockHeader(1234567, 16 << 20, 8 << 20);
        assertThat(bh.length % 4).isZero();
        assertThat(((bh[0] & 0xff) + 1) * 4).isEqualTo(bh.length);
        assertThat(bh[1] & 0xff).isEqualTo(0xC0);
        assertThat(le32(bh, bh.length - 4)).isEqualTo(crc(bh, 0, bh.length - 4));

        byte[] idx = XzFormat.index(List.of(new XzFormat.BlockRecord(100, 16 << 20), new XzFormat.BlockRecord(60, 5)));
        assertThat(idx.length % 4).isZero();
        assertThat(idx[0]).isZero();
        assertThat(idx[1]).isEqualTo((byte) 2);
        assertThat(le32(idx, idx.length - 4)).isEqualTo(crc(idx, 0, idx.length - 4));

        byte[] f = XzFormat.streamFooter(idx.length, XzFormat.CHECK_CRC64);
        assertThat(le32(f, 4)).isEqualTo(idx.length / 4 - 1);
        assertThat(le32(f, 0)).isEqualTo(crc(f, 4, 6));
        assertThat(new String(f, 10, 2)).isEqualTo("YZ");
    }

    @Test
    void crc64MatchesTheCheckValue() {
        // The standard check value of CRC-64/XZ over "123456789".
        assertThat(Crc64.of("123456789".getBytes(), 0, 9)).isEqualTo(0x995DC9BBDF1939FAL);
        byte[] big = new byte[1000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        Crc64 split = new Crc64();
        split.update(big, 0, 333);
        split.update(big, 333, 667);
        assertThat(split.value()).isEqualTo(Crc64.of(big, 0, big.length));
    }

    private static int le32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    private static int crc(byte[] b, int off, int len) {
        CRC32 c = new CRC32();
        c.update(b, off, len);
        return (int) c.getValue();
    }
}
