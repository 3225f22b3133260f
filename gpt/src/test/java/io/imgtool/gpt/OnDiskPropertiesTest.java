package io.imgtool.gpt;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.gpt.ondisk.GptEntry;
import io.imgtool.gpt.ondisk.GptHeader;
import io.imgtool.gpt.ondisk.Guids;
import io.imgtool.gpt.ondisk.MbrPartitionEntry;
import io.imgtool.gpt.ondisk.MbrSector;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Ring 1, as properties: every on-disk structure survives write/parse unchanged, byte for byte. */
class OnDiskPropertiesTest {

    @Provide
    Arbitrary<UUID> guids() {
        return Combinators.combine(Arbitraries.longs(), Arbitraries.longs()).as(UUID::new);
    }

    @Property
    void guidBytesRoundTrip(@ForAll("guids") UUID g) {
        ByteBuffer b = ByteBuffer.allocate(20);
        Guids.write(b, 2, g);
        assertThat(Guids.read(b, 2)).isEqualTo(g);
    }

    @Property
    void headerRoundTrip(@ForAll("guids") UUID disk, @ForAll long my, @ForAll long alt, @ForAll long first,
                         @ForAll long last, @ForAll long entries, @ForAll int count, @ForAll int size, @ForAll int crc,
                         @ForAll int reserved, @ForAll int revision, @ForAll int headerSize,
                         @ForAll @Size(420) byte[] tail) {
        GptHeader h = new GptHeader(GptHeader.SIGNATURE, revision, headerSize & 0xffffffffL, crc, reserved, my, alt,
                first, last, disk, entries, count & 0xffffffffL, size & 0xffffffffL, crc ^ 1, tail);
        byte[] bytes = h.toBytes();
        assertThat(bytes).hasSize(512);
        GptHeader back = GptHeader.parse(ByteBuffer.wrap(bytes), 512);
        assertThat(back).isEqualTo(h);
        assertThat(back.toBytes()).isEqualTo(bytes);
    }

    @Property
    void computedCrcValidates(@ForAll("guids") UUID disk, @ForAll @IntRange(min = 92, max = 512) int headerSize,
                              @ForAll @Size(420) byte[] tail) {
        GptHeader h = new GptHeader(GptHeader.SIGNATURE, GptHeader.REVISION_1_0, headerSize, 0, 0, 1, 99, 34, 60, disk,
                2, 128, 128, 7, tail).withComputedCrc();
        assertThat(h.crcValid()).isTrue();
        assertThat(h.withHeaderCrc(h.headerCrc() ^ 0x10).crcValid()).isFalse();
    }

    @Provide
    Arbitrary<String> names() {
        Arbitrary<String> bmp = Arbitraries.strings().withCharRange('\u0001', '\uD7FF').ofMaxLength(36);
        Arbitrary<String> withPairs = Arbitraries.strings().withChars('a', 'Z', '\u00e4', '\u20ac')
                .ofMaxLength(30).map(s -> s + "\uD83D\uDE00");
        return Arbitraries.oneOf(bmp, withPairs).filter(s -> s.length() <= 36);
    }

    @Property
    void entryRoundTrip(@ForAll("guids") UUID type, @ForAll("guids") UUID part, @ForAll long first, @ForAll long last,
                        @ForAll long attrs, @ForAll("names") String name, @ForAll @IntRange(min = 0, max = 3) int sizeShift) {
        int size = 128 << sizeShift;
        GptEntry e = GptEntry.of(type, part, first, last, attrs, name, size);
        ByteBuffer b = ByteBuffer.allocate(size + 8);
        e.writeTo(b, 8);
        GptEntry back = GptEntry.parse(b, 8, size);
        assertThat(back).isEqualTo(e);
        assertThat(back.name()).isEqualTo(name);
        assertThat(back.size()).isEqualTo(size);
    }

    @Property
    void entryKeepsArbitraryBytes(@ForAll @Size(256) byte[] raw) {
        GptEntry e = GptEntry.parse(ByteBuffer.wrap(raw), 0, 256);
        ByteBuffer out = ByteBuffer.allocate(256);
        e.writeTo(out, 0);
        assertThat(out.array()).isEqualTo(raw);
    }

    @Property
    void mbrKeepsArbitraryBytes(@ForAll @Size(512) byte[] raw) {
        MbrSector m = MbrSector.parse(ByteBuffer.wrap(raw));
        assertThat(m.toBytes()).isEqualTo(raw);
        assertThat(MbrSector.parse(ByteBuffer.wrap(m.toBytes()))).isEqualTo(m);
    }

    @Property
    void chsIsMonotonicBelowTheCap(@ForAll @net.jqwik.api.constraints.LongRange(min = 1, max = 16450559) long lba) {
        int chs = MbrPartitionEntry.chsOf(lba);
        int head = chs >>> 16;
        int sector = (chs >>> 8) & 0x3f;
        int cyl = ((chs >>> 8) & 0xc0) << 2 | (chs & 0xff);
        assertThat((long) (cyl * 255 + head) * 63 + sector - 1).isEqualTo(lba);
    }

    @Property
    void protectiveMbrKeepsBootCode(@ForAll @Size(512) byte[] raw, @ForAll @net.jqwik.api.constraints.LongRange(min = 3,
            max = 1L << 40) long lastLba) {
        raw[510] = 0x55;
        raw[511] = (byte) 0xaa;
        MbrSector old = MbrSector.parse(ByteBuffer.wrap(raw));
        MbrSector p = MbrSector.protective(old, lastLba);
        byte[] out = p.toBytes();
        assertThat(java.util.Arrays.copyOf(out, 446)).isEqualTo(java.util.Arrays.copyOf(raw, 446));
        MbrPartitionEntry ee = p.entries().get(0);
        assertThat(ee.type()).isEqualTo(0xEE);
        assertThat(ee.firstLba()).isEqualTo(1);
        assertThat(ee.sectors()).isEqualTo(Math.min(lastLba, 0xffffffffL));
        assertThat(p.entries().subList(1, 4)).containsOnly(MbrPartitionEntry.EMPTY);
        assertThat(List.of(out[510], out[511])).containsExactly((byte) 0x55, (byte) 0xaa);
    }
}
