package io.imgtool.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class ChecksumTest {

    private static final byte[] CHECK = "123456789".getBytes(StandardCharsets.US_ASCII);

    @Test
    void crc32cCheckValue() {
        assertThat(Crc32c.of(CHECK)).isEqualTo(0xE3069283);
    }

    @Test
    void crc16ArcCheckValue() {
        // CRC-16/ARC: poly 0x8005 reflected, init 0, no final xor; check value 0xBB3D.
        assertThat(Crc16.update(0, CHECK, 0, CHECK.length)).isEqualTo(0xBB3D);
    }

    @Property(tries = 300)
    void crc32cAgreesWithTheJdk(@ForAll @Size(max = 300) byte[] data, @ForAll @IntRange(max = 7) int skip) {
        CRC32C jdk = new CRC32C();
        int off = Math.min(skip, data.length);
        jdk.update(data, off, data.length - off);
        assertThat(~Crc32c.update(~0, data, off, data.length - off)).isEqualTo((int) jdk.getValue());
        // Direct buffers take the byte-at-a-time path; it must agree.
        ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data).flip().position(off);
        assertThat(~Crc32c.update(~0, direct)).isEqualTo((int) jdk.getValue());
    }

    @Property(tries = 200)
    void crc32cIsIncremental(@ForAll @Size(max = 200) byte[] a, @ForAll @Size(max = 200) byte[] b) {
        byte[] ab = new byte[a.length + b.length];
        System.arraycopy(a, 0, ab, 0, a.length);
        System.arraycopy(b, 0, ab, a.length, b.length);
        assertThat(Crc32c.update(Crc32c.update(0x1234567, a), b)).isEqualTo(Crc32c.update(0x1234567, ab));
    }
}
