package io.imgtool.qemu.iso;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.MemoryDevice;
import io.imgtool.core.RawFileDevice;
import io.imgtool.qemu.Tools;
import io.imgtool.testdata.ReferenceTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ring three: isoinfo, xorriso and blkid read what imgtool writes; imgtool reads what genisoimage writes. */
class IsoReferenceToolsTest {

    @TempDir
    Path dir;

    private Path writeSeed() throws Exception {
        Path iso = dir.resolve("seed.iso");
        Files.write(iso, IsoImageWriterTest.seed());
        return iso;
    }

    @Test
    void isoinfoSeesTheLabelJolietAndBothTrees() throws Exception {
        Tools.require("isoinfo", "genisoimage");
        Path iso = writeSeed();
        String d = ReferenceTools.runOk("isoinfo", "-d", "-i", iso.toString()).stdout();
        assertThat(d).contains("Volume id: cidata").contains("Joliet with UCS level 3 found")
                .contains("Logical block size is: 2048")
                .contains("Volume size is: " + Files.size(iso) / 2048);
        String joliet = ReferenceTools.runOk("isoinfo", "-J", "-l", "-i", iso.toString()).stdout();
        assertThat(joliet).contains(" user-data ").contains(" meta-data ").contains(" network-config ");
        String primary = ReferenceTools.runOk("isoinfo", "-l", "-i", iso.toString()).stdout();
        assertThat(primary).contains("USER_DAT.;1").contains("META_DAT.;1").contains("NETWORK_.;1");
        // Extraction by path, without mounting, from both trees.
        assertThat(ReferenceTools.runOk("isoinfo", "-J", "-i", iso.toString(), "-x", "/user-data").stdout())
                .isEqualTo("#cloud-config\n");
        assertThat(ReferenceTools.runOk("isoinfo", "-i", iso.toString(), "-x", "/META_DAT.;1").stdout())
                .isEqualTo("instance-id: iid-1\n");
    }

    @Test
    void xorrisoExtractsTheFilesAndFindsNoProblem() throws Exception {
        Tools.require("xorriso", "xorriso");
        Path iso = writeSeed();
        Path out = dir.resolve("out");
        ReferenceTools.Result r = ReferenceTools.run(Duration.ofMinutes(2), null, "xorriso", "-abort_on", "WARNING",
                "-indev", iso.toString(), "-osirrox", "on", "-extract", "/", out.toString());
        r.assertOk();
        assertThat(Files.readString(out.resolve("user-data"))).isEqualTo("#cloud-config\n");
        assertThat(Files.readString(out.resolve("meta-data"))).isEqualTo("instance-id: iid-1\n");
        assertThat(Files.size(out.resolve("network-config"))).isZero();
    }

    @Test
    void blkidProbesLabelCidataTypeIso9660() throws Exception {
        Path iso = writeSeed();
        String out = ReferenceTools.runOk("blkid", "-p", "-o", "export", iso.toString()).stdout();
        assertThat(out).contains("LABEL=cidata").contains("TYPE=iso9660");
        // blkid derives the UUID from the (fixed) modification time: reproducible.
        assertThat(out).contains("UUID=2024-01-02-03-04-05-00");
    }

    @Test
    void readsWhatGenisoimageWrites() throws Exception {
        Tools.require("genisoimage", "genisoimage");
        Path src = dir.resolve("src");
        Files.createDirectories(src);
        Files.writeString(src.resolve("user-data"), "#cloud-config\nhostname: ref\n");
        Files.writeString(src.resolve("meta-data"), "instance-id: ref-1\n");
        Path iso = dir.resolve("ref.iso");
        ReferenceTools.runOk("genisoimage", "-quiet", "-output", iso.toString(), "-volid", "cidata", "-joliet",
                src.resolve("user-data").toString(), src.resolve("meta-data").toString());
        try (RawFileDevice dev = RawFileDevice.open(iso, false)) {
            IsoImageReader r = IsoImageReader.open(dev);
            assertThat(r.volumeId()).isEqualTo("cidata");
            assertThat(r.joliet()).isTrue();
            assertThat(r.files()).extracting(IsoImageReader.IsoFile::name).containsExactlyInAnyOrder("user-data", "meta-data");
            assertThat(new String(r.read(r.find("user-data")), StandardCharsets.UTF_8)).isEqualTo("#cloud-config\nhostname: ref\n");
        }
        // Without Joliet imgtool falls back to the primary names, as Linux does.
        Path plain = dir.resolve("plain.iso");
        ReferenceTools.runOk("genisoimage", "-quiet", "-output", plain.toString(), "-volid", "cidata",
                src.resolve("meta-data").toString());
        IsoImageReader r = IsoImageReader.open(MemoryDevice.of(Files.readAllBytes(plain)));
        assertThat(r.joliet()).isFalse();
        assertThat(r.files()).extracting(IsoImageReader.IsoFile::name).containsExactly("meta_dat");
    }
}
