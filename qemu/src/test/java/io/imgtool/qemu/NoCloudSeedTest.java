package io.imgtool.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.MemoryDevice;
import io.imgtool.qemu.iso.IsoImageReader;
import io.imgtool.testdata.ReferenceTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NoCloudSeedTest {

    static final Instant T = Instant.parse("2024-05-06T07:08:09Z");

    @TempDir
    Path dir;

    @Test
    void holdsUserDataMetaDataAndNetworkConfig() throws Exception {
        NoCloudSeed seed = NoCloudSeed.builder().userData("#cloud-config\n".getBytes(StandardCharsets.UTF_8))
                .instanceId("iid-42").hostname("web-1.example").networkConfig("version: 2\n".getBytes(StandardCharsets.UTF_8))
                .timestamp(T).build();
        IsoImageReader r = IsoImageReader.open(MemoryDevice.of(seed.toByteArray()));
        assertThat(r.volumeId()).isEqualTo("cidata");
        assertThat(new String(r.read(r.find("meta-data")), StandardCharsets.UTF_8))
                .isEqualTo("instance-id: iid-42\nlocal-hostname: web-1.example\n");
        assertThat(new String(r.read(r.find("network-config")), StandardCharsets.UTF_8)).isEqualTo("version: 2\n");
        assertThat(r.find("vendor-data")).isNull();
    }

    @Test
    void reproducibleWithFixedTimeAndRandom() {
        byte[] a = NoCloudSeed.builder().timestamp(T).random(new Random(1)).build().toByteArray();
        byte[] b = NoCloudSeed.builder().timestamp(T).random(new Random(1)).build().toByteArray();
        byte[] c = NoCloudSeed.builder().timestamp(T).random(new Random(2)).build().toByteArray();
        assertThat(a).isEqualTo(b).isNotEqualTo(c);
        String meta = new String(NoCloudSeed.builder().random(new Random(1)).build().metaData(), StandardCharsets.UTF_8);
        assertThat(meta).matches("instance-id: iid-imgtool-[0-9a-f]{16}\n");
    }

    @Test
    void blkidSeesTheLabel() throws Exception {
        Path iso = dir.resolve("seed.iso");
        NoCloudSeed.builder().timestamp(T).build().writeTo(iso);
        assertThat(ReferenceTools.runOk("blkid", "-p", "-o", "export", iso.toString()).stdout())
                .contains("LABEL=cidata").contains("TYPE=iso9660");
    }

    @Test
    void rejectsMetaDataInjection() {
        assertThatThrownBy(() -> NoCloudSeed.builder().hostname("x\ninstance-id: evil"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NoCloudSeed.builder().instanceId("a b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NoCloudSeed.builder().metaData(new byte[0]).hostname("h").build())
                .isInstanceOf(IllegalArgumentException.class);
    }
}
