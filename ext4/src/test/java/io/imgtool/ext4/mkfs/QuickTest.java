package io.imgtool.ext4.mkfs;

import io.imgtool.core.RawFileDevice;
import io.imgtool.testdata.ReferenceTools;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class QuickTest {
    @Test
    void empty() throws Exception {
        Path dir = MkfsTestSupport.scratch("quick");
        Path img = dir.resolve("a.img");
        try (RawFileDevice d = RawFileDevice.create(img, 256L << 20)) {
            Ext4Formatter.builder().uuid(java.util.UUID.fromString("5b6e1c52-64a4-4d1b-9a3e-1f2d3c4b5a69"))
                    .hashSeed(java.util.UUID.fromString("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"))
                    .clock(java.time.Clock.fixed(java.time.Instant.ofEpochSecond(1000000000), java.time.ZoneOffset.UTC))
                    .assumeZeroed(true).build().format(d);
        }
        System.out.println(ReferenceTools.run("e2fsck", "-fn", img.toString()).describe());
    }
}
