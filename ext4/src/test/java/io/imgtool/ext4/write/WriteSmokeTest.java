package io.imgtool.ext4.write;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.RawFileDevice;
import io.imgtool.ext4.Ext4Options;
import io.imgtool.ext4.Ext4Volume;
import io.imgtool.ext4.Fsck;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.Scratch;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class WriteSmokeTest {

    @Test
    void createWriteDelete() throws Exception {
        ReferenceTools.require("mkfs.ext4");
        Path dir = Scratch.dir("ext4-smoke");
        Path img = dir.resolve("a.img");
        Files.deleteIfExists(img);
        ReferenceTools.runOk("mkfs.ext4", "-q", "-F", img.toString(), "64M");
        try (Ext4Volume vol = Ext4Volume.openOwning(RawFileDevice.open(img, true),
                Ext4Options.builder().writable(true).build())) {
            FileSystem fs = vol.fileSystem();
            Files.createDirectory(fs.getPath("/etc"));
            Files.write(fs.getPath("/etc/hostname"), "web1\n".getBytes(StandardCharsets.UTF_8));
            byte[] big = new byte[3_000_000];
            new java.util.Random(1).nextBytes(big);
            Files.write(fs.getPath("/big"), big);
            Files.createSymbolicLink(fs.getPath("/link"), fs.getPath("etc/hostname"));
            assertThat(Files.readAllBytes(fs.getPath("/big"))).isEqualTo(big);
            assertThat(Files.readString(fs.getPath("/link"))).isEqualTo("web1\n");
        }
        assertThat(Fsck.problems(img)).isNull();
        try (Ext4Volume vol = Ext4Volume.openOwning(RawFileDevice.open(img, true),
                Ext4Options.builder().writable(true).build())) {
            FileSystem fs = vol.fileSystem();
            Files.delete(fs.getPath("/big"));
            Files.move(fs.getPath("/etc/hostname"), fs.getPath("/hostname"));
        }
        assertThat(Fsck.problems(img)).isNull();
    }
}
