package io.imgtool.qemu.iso;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.MemoryDevice;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.constraints.UniqueElements;
import org.junit.jupiter.api.Test;

/** Ring one: what the writer lays out, the reader reads back, structure by structure. */
class IsoImageWriterTest {

    static final Instant T = Instant.parse("2024-01-02T03:04:05Z");

    static byte[] seed() {
        return IsoImageWriter.builder().volumeId("cidata").applicationId("IMGTOOL").timestamp(T)
                .file("user-data", "#cloud-config\n".getBytes(StandardCharsets.UTF_8))
                .file("meta-data", "instance-id: iid-1\n".getBytes(StandardCharsets.UTF_8))
                .file("network-config", new byte[0])
                .build().toByteArray();
    }

    @Test
    void readsBackNamesContentAndLabel() throws Exception {
        byte[] img = seed();
        IsoImageReader r = IsoImageReader.open(MemoryDevice.of(img));
        assertThat(r.volumeId()).isEqualTo("cidata");
        assertThat(r.joliet()).isTrue();
        assertThat(r.volumeSectors() * 2048).isEqualTo(img.length);
        assertThat(r.files()).extracting(IsoImageReader.IsoFile::name)
                .containsExactly("meta-data", "network-config", "user-data");
        assertThat(new String(r.read(r.find("user-data")), StandardCharsets.UTF_8)).isEqualTo("#cloud-config\n");
        assertThat(new String(r.read(r.find("meta-data")), StandardCharsets.UTF_8)).isEqualTo("instance-id: iid-1\n");
        assertThat(r.read(r.find("network-config"))).isEmpty();
    }

    @Test
    void layoutIsTheDocumentedOne() throws Exception {
        byte[] img = seed();
        assertThat(img.length % 2048).isZero();
        // Sectors 0-15 are the (empty) system area.
        for (int i = 0; i < 16 * 2048; i++) {
            assertThat(img[i]).isZero();
        }
        assertThat(img[16 * 2048]).isEqualTo((byte) 1);
        assertThat(img[17 * 2048]).isEqualTo((byte) 2);
        assertThat(img[18 * 2048] & 0xff).isEqualTo(255);
        assertThat(new String(img, 17 * 2048 + 88, 3, StandardCharsets.US_ASCII)).isEqualTo("%/E");
        // Primary root (sector 23): ".", "..", then 8.3 names in ECMA-119 order.
        ByteBuffer dir = ByteBuffer.wrap(img, 23 * 2048, 2048);
        assertThat(DirectoryRecord.parse(dir, 0).identifier()).containsExactly(0);
        assertThat(DirectoryRecord.parse(dir, 0).identifier()).containsExactly(1);
        assertThat(new String(DirectoryRecord.parse(dir, 0).identifier(), StandardCharsets.US_ASCII)).isEqualTo("META_DAT.;1");
        assertThat(new String(DirectoryRecord.parse(dir, 0).identifier(), StandardCharsets.US_ASCII)).isEqualTo("NETWORK_.;1");
        assertThat(new String(DirectoryRecord.parse(dir, 0).identifier(), StandardCharsets.US_ASCII)).isEqualTo("USER_DAT.;1");
        // Both path tables of the primary tree name the root.
        ByteBuffer l = ByteBuffer.wrap(img, 19 * 2048, 2048);
        ByteBuffer m = ByteBuffer.wrap(img, 20 * 2048, 2048);
        assertThat(PathTableRecord.parse(l, ByteOrder.LITTLE_ENDIAN, 0)).isEqualTo(PathTableRecord.root(23));
        assertThat(PathTableRecord.parse(m, ByteOrder.BIG_ENDIAN, 0)).isEqualTo(PathTableRecord.root(23));
    }

    @Test
    void sameInputSameBytes() {
        assertThat(seed()).isEqualTo(seed());
        byte[] later = IsoImageWriter.builder().volumeId("cidata").applicationId("IMGTOOL").timestamp(T.plusSeconds(1))
                .file("user-data", "#cloud-config\n".getBytes(StandardCharsets.UTF_8))
                .file("meta-data", "instance-id: iid-1\n".getBytes(StandardCharsets.UTF_8))
                .file("network-config", new byte[0])
                .build().toByteArray();
        assertThat(later).isNotEqualTo(seed());
    }

    @Test
    void directoryRecordRoundTrip() throws Exception {
        DirectoryRecord r = DirectoryRecord.of(1234, 56789, T, 0, "USER_DAT.;1".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer b = ByteBuffer.allocate(r.length());
        r.writeTo(b);
        assertThat(b.position()).isEqualTo(r.length());
        b.flip();
        DirectoryRecord back = DirectoryRecord.parse(b, 0);
        assertThat(back).isEqualTo(r);
        assertThat(IsoDates.readRecordDate(back.date())).isEqualTo(T);
        // Both byte orders are stored.
        byte[] raw = b.array();
        assertThat(ByteBuffer.wrap(raw, 2, 4).order(ByteOrder.LITTLE_ENDIAN).getInt()).isEqualTo(1234);
        assertThat(ByteBuffer.wrap(raw, 6, 4).order(ByteOrder.BIG_ENDIAN).getInt()).isEqualTo(1234);
    }

    @Test
    void directoryRecordKeepsItsSystemUseArea() throws Exception {
        byte[] su = {'P', 'X', 5, 1, 9, 9};
        DirectoryRecord r = new DirectoryRecord(0, 7, 8, new byte[7], 0, 0, 0, 1, new byte[] {'A'}, su);
        ByteBuffer b = ByteBuffer.allocate(r.length());
        r.writeTo(b);
        b.flip();
        assertThat(DirectoryRecord.parse(b, 0).systemUse()).containsExactly(su);
    }

    @Test
    void volumeDescriptorRoundTripKeepsUnknownBytes() throws Exception {
        byte[] img = seed();
        byte[] raw = java.util.Arrays.copyOfRange(img, 16 * 2048, 17 * 2048);
        raw[1500] = 42;                              // reserved area: must survive
        VolumeDescriptor vd = VolumeDescriptor.parse(ByteBuffer.wrap(raw), 0);
        ByteBuffer out = ByteBuffer.allocate(2048);
        vd.writeTo(out);
        assertThat(out.array()).isEqualTo(raw);
        assertThat(vd.volumeIdentifier()).isEqualTo("cidata");
        assertThat(vd.applicationIdentifier()).isEqualTo("IMGTOOL");
        assertThat(vd.logicalBlockSize()).isEqualTo(2048);
        assertThat(new String(raw, 813, 16, StandardCharsets.US_ASCII)).isEqualTo("2024010203040500");
    }

    @Test
    void primaryNamesAreLevelOneAndUnique() {
        Map<String, byte[]> ids = IsoImageWriter.primaryIdentifiers(List.of("user-data", "user-data.x", "user-dat",
                "a.tar.gz", ".hidden"));
        assertThat(ids.values()).extracting(b -> new String(b, StandardCharsets.US_ASCII))
                .containsExactly("USER_DAT.;1", "USER_DAT.X;1", "USER_DA1.;1", "A_TAR.GZ;1", "_HIDDEN.;1");
    }

    @Test
    void rejectsBadNamesAndLabels() {
        assertThatThrownBy(() -> IsoImageWriter.builder().file("a/b", new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IsoImageWriter.builder().file("x;1", new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IsoImageWriter.builder().file("a".repeat(65), new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IsoImageWriter.builder().file("u", new byte[0]).file("u", new byte[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicate");
        assertThatThrownBy(() -> IsoImageWriter.builder().volumeId("ci data"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IsoImageWriter.builder().timestamp(Instant.parse("2200-01-01T00:00:00Z")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void manyFilesSpillIntoASecondDirectorySector() throws Exception {
        IsoImageWriter.Builder b = IsoImageWriter.builder().volumeId("many").timestamp(T);
        for (int i = 0; i < 80; i++) {
            b.file("file-number-" + i + ".txt", ("content " + i).getBytes(StandardCharsets.UTF_8));
        }
        IsoImageReader r = IsoImageReader.open(MemoryDevice.of(b.build().toByteArray()));
        assertThat(r.files()).hasSize(80);
        for (int i = 0; i < 80; i++) {
            assertThat(new String(r.read(r.find("file-number-" + i + ".txt")), StandardCharsets.UTF_8))
                    .isEqualTo("content " + i);
        }
    }

    @Property(tries = 60)
    void anyFilesRoundTrip(@ForAll @Size(min = 1, max = 12) @UniqueElements List<@StringLength(min = 1, max = 40)
            @AlphaChars @NumericChars String> names, @ForAll @Size(max = 5000) byte[] content) throws Exception {
        IsoImageWriter.Builder b = IsoImageWriter.builder().volumeId("prop").timestamp(T);
        for (int i = 0; i < names.size(); i++) {
            byte[] c = java.util.Arrays.copyOf(content, Math.max(0, content.length - i));
            b.file(names.get(i), c);
        }
        IsoImageReader r = IsoImageReader.open(MemoryDevice.of(b.build().toByteArray()));
        assertThat(r.files()).hasSize(names.size());
        for (int i = 0; i < names.size(); i++) {
            byte[] c = java.util.Arrays.copyOf(content, Math.max(0, content.length - i));
            assertThat(r.read(r.find(names.get(i)))).isEqualTo(c);
        }
    }
}
