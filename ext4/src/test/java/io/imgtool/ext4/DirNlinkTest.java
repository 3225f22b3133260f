package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.RawFileDevice;
import io.imgtool.testdata.ReferenceTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * dir_nlink: a (hashed) directory with more than 65,000 subdirectories keeps a link count of 1, as
 * the kernel writes it, and e2fsck -fn accepts it. Slow (65,010 directories): soak only.
 */
class DirNlinkTest {

    @Test
    @Tag("soak")
    void moreThan65000SubdirectoriesSetTheLinkCountToOne() throws IOException {
        ReferenceTools.require("mkfs.ext4");
        Path work = Images.scratch("dir-nlink");
        Path img = Images.mkfs(work.resolve("n.img"), "mkfs.ext4", List.of("-N", "70000", "-b", "1024"), null, "200M");
        try (Ext4Volume vol = Ext4Volume.openOwning(RawFileDevice.open(img, true),
                Ext4Options.builder().writable(true).build())) {
            Path d = Files.createDirectory(vol.fileSystem().getPath("/many"));
            for (int i = 0; i < 65_010; i++) {
                Files.createDirectory(d.resolve("d" + i));
            }
            assertThat(((Number) Files.getAttribute(d, "unix:nlink")).intValue()).isEqualTo(1);
        }
        assertThat(Fsck.problems(img)).isNull();
    }
}
