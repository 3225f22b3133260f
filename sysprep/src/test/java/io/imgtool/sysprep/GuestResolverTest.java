package io.imgtool.sysprep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GuestResolverTest {

    @TempDir
    static Path tmp;

    static Stream<Arguments> roots() throws IOException {
        return Stream.of(Arguments.of("jimfs", TestRoots.jimfs()),
                Arguments.of("host", TestRoots.host(Files.createTempDirectory(tmp, "res"))));
    }

    private static GuestResolver tree(Path root) throws IOException {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "guest passwd\n");
        Files.createDirectories(root.resolve("usr/lib"));
        Files.writeString(root.resolve("usr/lib/os-release"), "ID=debian\n");
        Files.createSymbolicLink(root.resolve("etc/os-release"), root.getFileSystem().getPath("../usr/lib/os-release"));
        Files.createSymbolicLink(root.resolve("lib"), root.getFileSystem().getPath("usr/lib"));
        Files.createDirectories(root.resolve("var/log"));
        Files.createSymbolicLink(root.resolve("var/log/evil.log"), root.getFileSystem().getPath("/etc/passwd"));
        Files.createSymbolicLink(root.resolve("var/escape"), root.getFileSystem().getPath("../../../../../../.."));
        Files.createSymbolicLink(root.resolve("var/run"), root.getFileSystem().getPath("/run"));
        Files.createDirectories(root.resolve("run"));
        Files.createSymbolicLink(root.resolve("loop1"), root.getFileSystem().getPath("loop2"));
        Files.createSymbolicLink(root.resolve("loop2"), root.getFileSystem().getPath("/loop1"));
        return new GuestResolver(root);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("roots")
    void absoluteLinkTargetsResolveInsideTheGuest(String name, Path root) throws IOException {
        GuestResolver r = tree(root);
        Path real = root.toRealPath();
        assertThat(r.resolveFollow("/var/log/evil.log")).isEqualTo(real.resolve("etc/passwd"));
        assertThat(Files.readString(r.resolveFollow("/var/log/evil.log"))).isEqualTo("guest passwd\n");
        // Without following the last component, the link itself.
        assertThat(r.resolve("/var/log/evil.log")).isEqualTo(real.resolve("var/log/evil.log"));
        assertThat(Files.isSymbolicLink(r.resolve("/var/log/evil.log"))).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("roots")
    void dotDotAndEscapingLinksStopAtTheGuestRoot(String name, Path root) throws IOException {
        GuestResolver r = tree(root);
        Path real = root.toRealPath();
        assertThat(r.resolve("/../../../etc/passwd")).isEqualTo(real.resolve("etc/passwd"));
        assertThat(r.resolveFollow("/var/escape")).isEqualTo(real);
        assertThat(r.resolve("/var/escape/etc/passwd")).isEqualTo(real.resolve("etc/passwd"));
        assertThat(r.resolve("etc/./passwd")).isEqualTo(real.resolve("etc/passwd"));
        assertThat(r.guestPathOf(r.resolve("/var/escape/etc/passwd"))).isEqualTo("/etc/passwd");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("roots")
    void relativeAndIntermediateLinksFollowedInsideTheGuest(String name, Path root) throws IOException {
        GuestResolver r = tree(root);
        Path real = root.toRealPath();
        assertThat(r.resolveFollow("/etc/os-release")).isEqualTo(real.resolve("usr/lib/os-release"));
        assertThat(r.resolve("/lib/os-release")).isEqualTo(real.resolve("usr/lib/os-release"));
        assertThat(r.resolve("/var/run/utmp")).isEqualTo(real.resolve("run/utmp"));
        // ".." after a link applies to the link's target, as in the kernel.
        assertThat(r.resolve("/lib/../lib/os-release")).isEqualTo(real.resolve("usr/lib/os-release"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("roots")
    void linkLoopsFailLikeEloop(String name, Path root) throws IOException {
        GuestResolver r = tree(root);
        assertThatThrownBy(() -> r.resolveFollow("/loop1")).isInstanceOf(FileSystemException.class)
                .hasMessageContaining("too many levels of symbolic links");
        assertThat(r.resolve("/loop1")).isEqualTo(root.toRealPath().resolve("loop1"));
        assertThatThrownBy(() -> r.resolve("/loop1/x")).isInstanceOf(FileSystemException.class);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("roots")
    void nulIsRejectedAndOutsidePathsAreNotGuestPaths(String name, Path root) throws IOException {
        GuestResolver r = tree(root);
        assertThatThrownBy(() -> r.resolve("/etc/pa\0sswd")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.guestPathOf(root.toRealPath().getParent())).isInstanceOf(IllegalArgumentException.class);
        assertThat(r.guestPathOf(root.toRealPath())).isEqualTo("/");
    }
}
