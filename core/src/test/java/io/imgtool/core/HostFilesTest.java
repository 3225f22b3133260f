package io.imgtool.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostFilesTest {

    @TempDir
    Path dir;

    @Test
    void aTreeGoesWholeButWhatItsLinksPointAtStays() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Path kept = Files.writeString(outside.resolve("kept"), "keep me");
        Path root = Files.createDirectories(dir.resolve("root/a/b"));
        Files.writeString(root.resolve("f"), "x");
        Files.createSymbolicLink(dir.resolve("root/a/to-outside"), outside);
        Files.createSymbolicLink(dir.resolve("root/dangling"), dir.resolve("nowhere"));
        Path locked = Files.createDirectories(dir.resolve("root/locked"));
        Files.writeString(locked.resolve("g"), "y");
        locked.toFile().setWritable(false, false);

        HostFiles.deleteTree(dir.resolve("root"));

        assertThat(dir.resolve("root")).doesNotExist();
        assertThat(kept).hasContent("keep me");
    }

    @Test
    void aMissingRootOrALinkAsRootIsNoError() throws Exception {
        assertThatCode(() -> HostFiles.deleteTree(dir.resolve("missing"))).doesNotThrowAnyException();
        Path target = Files.createDirectories(dir.resolve("target"));
        Files.writeString(target.resolve("f"), "x");
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        HostFiles.deleteTree(link);
        assertThat(link).doesNotExist();
        assertThat(target.resolve("f")).exists();
    }
}
