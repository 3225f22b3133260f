package io.imgtool.qemu.iso;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.ImageException;
import io.imgtool.core.MemoryDevice;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Ring two: one field changed, the error kind and location asserted. */
class IsoImageReaderCorruptionTest {

    private static final int PVD = 16 * 2048;
    private static final int SVD = 17 * 2048;

    private static ImageException failure(byte[] img) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> IsoImageReader.open(MemoryDevice.of(img)));
        assertThat(t).isInstanceOf(ImageException.class);
        return (ImageException) t;
    }

    private static void putBoth32(byte[] img, int at, long v) {
        ByteBuffer.wrap(img, at, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v);
        ByteBuffer.wrap(img, at + 4, 4).order(ByteOrder.BIG_ENDIAN).putInt((int) v);
    }

    @Test
    void notAnIsoImage() {
        byte[] img = IsoImageWriterTest.seed();
        img[PVD + 1] = 'X';
        ImageException e = failure(img);
        assertThat(e.kind()).isEqualTo(ImageException.Kind.CORRUPT);
        assertThat(e.field()).isEqualTo("standard identifier");
        assertThat(e.offset()).isEqualTo(PVD + 1);
        assertThat(e.getMessage()).contains("XD001");
    }

    @Test
    void truncatedBeforeTheDescriptors() {
        byte[] img = Arrays.copyOf(IsoImageWriterTest.seed(), PVD + 100);
        assertThat(failure(img).kind()).isEqualTo(ImageException.Kind.CORRUPT);
    }

    @Test
    void truncatedVolume() {
        byte[] full = IsoImageWriterTest.seed();
        byte[] img = Arrays.copyOf(full, full.length - 2048);
        ImageException e = failure(img);
        assertThat(e.kind()).isEqualTo(ImageException.Kind.CORRUPT);
        assertThat(e.field()).isEqualTo("volume space size");
        assertThat(e.offset()).isEqualTo(PVD + 80);
    }

    @Test
    void unsupportedBlockSize() {
        byte[] img = IsoImageWriterTest.seed();
        img[PVD + 128] = 0;
        img[PVD + 129] = 2;                          // 512
        assertThat(failure(img).kind()).isEqualTo(ImageException.Kind.UNSUPPORTED);
    }

    @Test
    void missingTerminator() {
        byte[] img = IsoImageWriterTest.seed();
        img[18 * 2048] = 3;                           // a "partition" descriptor instead of the terminator
        // The descriptor after it is path-table data: no "CD001".
        ImageException e = failure(img);
        assertThat(e.kind()).isEqualTo(ImageException.Kind.CORRUPT);
    }

    @Test
    void rootExtentOutsideTheVolume() {
        byte[] img = IsoImageWriterTest.seed();
        putBoth32(img, SVD + 156 + 2, 1_000_000);     // Joliet root record's extent
        ImageException e = failure(img);
        assertThat(e.kind()).isEqualTo(ImageException.Kind.CORRUPT);
        assertThat(e.field()).isEqualTo("extent location");
        assertThat(e.offset()).isEqualTo(SVD + 156 + 2);
        assertThat(e.value()).isEqualTo("1000000");
    }

    @Test
    void hugeRootDirectory() {
        byte[] img = IsoImageWriterTest.seed();
        putBoth32(img, SVD + 156 + 10, 0xfffff000L);
        ImageException e = failure(img);
        assertThat(e.kind()).isEqualTo(ImageException.Kind.CORRUPT);
    }

    @Test
    void recordShorterThanItsIdentifier() {
        byte[] img = IsoImageWriterTest.seed();
        int jolietRoot = 24 * 2048;                  // after the primary root at 23
        int third = jolietRoot + 34 + 34;            // first file record
        img[third] = (byte) 0xff;                    // fits in the sector...
        img[third + 32] = (byte) 0xfe;               // ...but is shorter than its identifier
        ImageException e = failure(img);
        assertThat(e.kind()).isEqualTo(ImageException.Kind.CORRUPT);
        assertThat(e.offset()).isEqualTo(third);
    }

    @Test
    void fileOutsideTheVolume() {
        byte[] img = IsoImageWriterTest.seed();
        int record = 24 * 2048 + 68;
        putBoth32(img, record + 10, 1L << 30);       // data length of the first file
        ImageException e = failure(img);
        assertThat(e.kind()).isEqualTo(ImageException.Kind.CORRUPT);
        assertThat(e.getMessage()).contains("outside the volume");
    }

    @Test
    void multiExtentFilesAreUnsupported() {
        byte[] img = IsoImageWriterTest.seed();
        img[24 * 2048 + 68 + 25] = (byte) 0x80;
        assertThat(failure(img).kind()).isEqualTo(ImageException.Kind.UNSUPPORTED);
    }

    @Test
    void zeroIdentifierLength() {
        byte[] img = IsoImageWriterTest.seed();
        img[24 * 2048 + 68 + 32] = 0;
        ImageException e = failure(img);
        assertThat(e.kind()).isEqualTo(ImageException.Kind.CORRUPT);
        assertThat(e.field()).isEqualTo("file identifier length");
    }
}
