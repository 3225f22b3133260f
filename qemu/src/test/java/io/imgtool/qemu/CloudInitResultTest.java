package io.imgtool.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.ImageException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** result.json as cloud-init 22.4 (Debian 12) and 23.4+ write it. */
class CloudInitResultTest {

    private static CloudInitResult sample(String name) throws Exception {
        try (InputStream in = CloudInitResultTest.class.getResourceAsStream("cloud-init/" + name)) {
            return CloudInitResult.parse(in.readAllBytes());
        }
    }

    @Test
    void success() throws Exception {
        CloudInitResult r = sample("result-ok-22.4.json");
        assertThat(r.ok()).isTrue();
        assertThat(r.usedNoCloud()).isTrue();
        assertThat(r.recoverableErrors()).isEmpty();
        assertThat(r.summary()).isEqualTo("cloud-init finished without errors (DataSourceNoCloud [seed=/dev/vdb][dsmode=net])");
    }

    @Test
    void aFailedScript() throws Exception {
        CloudInitResult r = sample("result-script-failed-22.4.json");
        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).singleElement().asString().contains("scripts_user");
        assertThat(r.summary()).startsWith("cloud-init reported 1 error (DataSourceNoCloud").contains("Runparts: 1 failures");
    }

    @Test
    void recoverableErrorsAreWarningsNotFailures() throws Exception {
        CloudInitResult r = sample("result-warnings-24.1.json");
        assertThat(r.ok()).isTrue();
        assertThat(r.recoverableErrors()).containsOnlyKeys("DEPRECATED", "WARNING");
        assertThat(r.summary()).endsWith(", 2 warnings");
    }

    @Test
    void noDatasource() throws Exception {
        CloudInitResult r = sample("result-no-datasource.json");
        assertThat(r.ok()).isFalse();
        assertThat(r.usedNoCloud()).isFalse();
        assertThat(r.datasource()).isNull();
    }

    @Test
    void malformedFilesAreCorrupt() {
        for (String bad : List.of("", "[]", "{}", "{\"v1\": 3}", "{\"v1\": {\"errors\": \"x\"}}",
                "{\"v1\": {\"datasource\": 5}}", "{\"v1\": {\"recoverable_errors\": []}}", "{\"v1\": {")) {
            assertThatThrownBy(() -> CloudInitResult.parse(bad.getBytes(StandardCharsets.UTF_8)))
                    .as(bad).isInstanceOf(ImageException.class)
                    .satisfies(e -> assertThat(((ImageException) e).kind()).isEqualTo(ImageException.Kind.CORRUPT))
                    .hasMessageContaining("cloud-init result.json");
        }
        assertThatThrownBy(() -> CloudInitResult.parse(new byte[CloudInitResult.MAX_SIZE + 1]))
                .isInstanceOf(ImageException.class);
    }

    @Test
    void theReaderHookReadsTheGuestPath() throws Exception {
        byte[] json = "{\"v1\": {\"datasource\": \"DataSourceNoCloud\", \"errors\": [\"boom\"]}}".getBytes(StandardCharsets.UTF_8);
        CloudInitResultReader reader = CloudInitResultReader.fromGuestFiles((image, format, path) ->
                path.equals("/var/lib/cloud/data/result.json") ? Optional.of(json) : Optional.empty());
        Optional<CloudInitResult> r = reader.read(Path.of("disk.qcow2"), DiskFormat.QCOW2);
        assertThat(r).isPresent();
        assertThat(r.get().errors()).containsExactly("boom");
        CloudInitResultReader none = CloudInitResultReader.fromGuestFiles((image, format, path) -> Optional.empty());
        assertThat(none.read(Path.of("x"), DiskFormat.RAW)).isEmpty();
    }
}
