package io.imgtool.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.MemoryDevice;
import io.imgtool.testdata.ReferenceTools;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VirtBuilderIndexEntryTest {

    @TempDir
    Path dir;

    private Path xzImage() throws Exception {
        MemoryDevice disk = new MemoryDevice(3L << 20);
        disk.write(ByteBuffer.wrap("bootsector".getBytes(StandardCharsets.US_ASCII)), 0);
        Path xz = dir.resolve("debian-12.raw.xz");
        XzCompressor.builder().blockSize(1 << 20).build().compress(disk, xz);
        return xz;
    }

    private VirtBuilderIndexEntry entry(Path xz) throws Exception {
        return VirtBuilderIndexEntry.forXzImage(xz).osVersion("debian-12-golden").name("Debian 12 (golden)")
                .osinfo("debian12").revision(3).expand("/dev/sda1")
                .notes("Sealed by imgtool.\n\nPackages: openssh-server, cloud-init.").aliases(List.of("debian-latest"))
                .build();
    }

    @Test
    void entryTextHasEveryFieldVirtBuilderReads() throws Exception {
        Path xz = xzImage();
        VirtBuilderIndexEntry e = entry(xz);
        String sha512 = Checksums.builder().algorithm(HashAlgorithm.SHA512).build().digest(xz).digest();
        assertThat(e.text()).isEqualTo("[debian-12-golden]\n"
                + "name=Debian 12 (golden)\n"
                + "osinfo=debian12\n"
                + "arch=x86_64\n"
                + "file=debian-12.raw.xz\n"
                + "checksum[sha512]=" + sha512 + "\n"
                + "format=raw\n"
                + "size=3145728\n"
                + "compressed_size=" + Files.size(xz) + "\n"
                + "revision=3\n"
                + "expand=/dev/sda1\n"
                + "aliases=debian-latest\n"
                + "notes=Sealed by imgtool.\n"
                + " Packages: openssh-server, cloud-init.\n"
                + "\n");
    }

    @Test
    void virtIndexValidateAndVirtBuilderParseIt() throws Exception {
        Path xz = xzImage();
        Path index = Files.writeString(dir.resolve("index"), entry(xz).text()
                + VirtBuilderIndexEntry.forXzImage(xz).osVersion("second").build().text());
        ReferenceTools.runOk("virt-index-validate", index.toString());
        // The clearsigned index as a repository publishes it.
        PgpKeyPair key = PgpKeyGenerator.builder().userId("Repo", "repo@example.org").generate();
        Path asc = Files.writeString(dir.resolve("index.asc"),
                PgpSigner.builder().secretKey(key.secretKey()).build().clearsign(Files.readString(index)));
        ReferenceTools.runOk("virt-index-validate", asc.toString());
        try (Gpg gpg = new Gpg(dir)) {
            Files.writeString(dir.resolve("repo.pub"), key.publicKey());
            gpg.runOk("--import", dir.resolve("repo.pub").toString());
            gpg.runOk("--verify", asc.toString());
        }
        // virt-builder itself: its -v output dumps the index as its parser read it. (It then goes on
        // to the distribution's default repositories in /etc/virt-builder, which need the network;
        // a proxy on a closed loopback port makes that fail at once, and only the dump is checked.)
        ReferenceTools.Result r = ReferenceTools.run(Duration.ofMinutes(2), null, "env", "HOME=" + dir,
                "http_proxy=http://127.0.0.1:9", "https_proxy=http://127.0.0.1:9", "HTTPS_PROXY=http://127.0.0.1:9",
                "no_proxy=", "NO_PROXY=",
                "XDG_CACHE_HOME=" + dir.resolve("cache"), ReferenceTools.require("virt-builder").toString(), "-v",
                "--no-check-signature", "--source", index.toUri().toString(), "--list");
        String out = r.stdout() + r.stderr();
        assertThat(out).as(r.describe()).contains("after parsing");
        String parsed = out.substring(out.indexOf("after parsing"));
        String sha512 = Checksums.builder().algorithm(HashAlgorithm.SHA512).build().digest(xz).digest();
        assertThat(parsed).contains("[debian-12-golden]", "checksum[sha512]=" + sha512, "size=3145728",
                "revision=3", "expand=/dev/sda1", "compressed_size=" + Files.size(xz), "format=raw",
                "notes=Sealed by imgtool.\nPackages: openssh-server, cloud-init.", "[second]");
    }

    @Test
    void refusesWhatVirtBuilderWouldRejectOrMisread() throws Exception {
        VirtBuilderIndexEntry.Builder ok = VirtBuilderIndexEntry.builder().osVersion("x").file("x.xz")
                .sha512("a".repeat(128)).size(1).compressedSize(1);
        assertThat(ok.build().text()).startsWith("[x]\narch=x86_64\n");
        assertThatThrownBy(() -> ok.file("/abs/x.xz").build()).hasMessageContaining("relative");
        assertThatThrownBy(() -> ok.file("http://evil/x.xz").build()).hasMessageContaining("relative");
        assertThatThrownBy(() -> ok.file("x.xz").osVersion("bad]name").build()).hasMessageContaining("os-version");
        assertThatThrownBy(() -> ok.osVersion("x").name("two\nlines").build()).hasMessageContaining("name");
        assertThatThrownBy(() -> ok.name(null).revision(0).build()).hasMessageContaining("revision");
        assertThatThrownBy(() -> ok.revision(1).format("vmdk").build()).hasMessageContaining("raw or qcow2");
        assertThatThrownBy(() -> ok.format("raw").expand("sda1").build()).hasMessageContaining("/dev/");
        Path notXz = Files.writeString(dir.resolve("n.xz"), "nope");
        assertThatThrownBy(() -> VirtBuilderIndexEntry.forXzImage(notXz)).hasMessageContaining("not a valid .xz");
    }
}
