package io.imgtool.testdata;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the reference tools (qemu-img, sgdisk, e2fsck, debugfs, gpg, ...) from tests.
 *
 * <p>A test that needs a tool calls {@link #require}. Where the tool is missing the test is skipped
 * with a loud message naming the Debian package; with {@code CI=true} in the environment a missing
 * tool fails the test instead, so CI can never pass by skipping its cross-checks.
 */
public final class ReferenceTools {

    /** Tool → Debian package that provides it. */
    private static final Map<String, String> PACKAGES = Map.ofEntries(
            Map.entry("qemu-img", "qemu-utils"),
            Map.entry("qemu-io", "qemu-utils"),
            Map.entry("qemu-nbd", "qemu-utils"),
            Map.entry("sgdisk", "gdisk"),
            Map.entry("sfdisk", "fdisk"),
            Map.entry("blkid", "util-linux"),
            Map.entry("mkfs.ext4", "e2fsprogs"),
            Map.entry("mkfs.ext3", "e2fsprogs"),
            Map.entry("mkfs.ext2", "e2fsprogs"),
            Map.entry("mke2fs", "e2fsprogs"),
            Map.entry("e2fsck", "e2fsprogs"),
            Map.entry("debugfs", "e2fsprogs"),
            Map.entry("dumpe2fs", "e2fsprogs"),
            Map.entry("tune2fs", "e2fsprogs"),
            Map.entry("zerofree", "zerofree"),
            Map.entry("gpg", "gnupg"),
            Map.entry("sha256sum", "coreutils"),
            Map.entry("xz", "xz-utils"),
            Map.entry("busybox", "busybox-static"),
            Map.entry("qemu-system-x86_64", "qemu-system-x86"),
            Map.entry("virt-sysprep", "guestfs-tools"),
            Map.entry("virt-sparsify", "guestfs-tools"),
            Map.entry("virt-tar-out", "guestfs-tools"),
            Map.entry("debootstrap", "debootstrap"),
            Map.entry("getfattr", "attr"),
            Map.entry("setfattr", "attr"),
            Map.entry("setfacl", "acl"),
            Map.entry("setcap", "libcap2-bin"),
            Map.entry("tar", "tar"));

    private static final List<String> SEARCH_PATH = List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
            "/usr/bin", "/sbin", "/bin");

    private ReferenceTools() {
    }

    /** Whether this run is CI ({@code CI=true}), where reference tools are mandatory. */
    public static boolean isCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** The tool's absolute path, or null if it is not installed. */
    public static Path find(String tool) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(Arrays.asList(path.split(":")));
        }
        dirs.addAll(SEARCH_PATH); // sbin is often missing from a user's PATH
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, tool);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** {@link #require}s each of {@code tools}, before a test builds anything with them. */
    public static void requireAll(String... tools) {
        for (String t : tools) {
            require(t);
        }
    }

    /**
     * Returns the tool's path. If it is missing: under CI the test fails; elsewhere it is skipped
     * with a message on stderr that names the package to install.
     */
    public static Path require(String tool) {
        Path p = find(tool);
        if (p != null) {
            return p;
        }
        String pkg = PACKAGES.getOrDefault(tool, "?");
        String msg = "reference tool '" + tool + "' is not installed (Debian package " + pkg
                + "; .ci/run installs it)";
        if (isCi()) {
            Assertions.fail("CI=true and " + msg);
        }
        System.err.println("\n*** SKIPPED: " + msg + " ***\n");
        Assumptions.abort(msg);
        throw new AssertionError("unreachable");
    }

    /** What a finished process printed. */
    public record Result(List<String> command, int exit, String stdout, String stderr) {

        /** Throws an AssertionError that shows everything unless the exit status is 0. */
        public Result assertOk() {
            if (exit != 0) {
                throw new AssertionError(describe());
            }
            return this;
        }

        public String describe() {
            return String.join(" ", command) + "\n  exit " + exit + "\n  stdout: " + stdout + "\n  stderr: " + stderr;
        }
    }

    /** Runs a command (the first word is looked up with {@link #require}) with a 10 minute limit. */
    public static Result run(String... command) {
        return run(Duration.ofMinutes(10), null, command);
    }

    /** Runs a command and asserts it exits 0. */
    public static Result runOk(String... command) {
        return run(command).assertOk();
    }

    /**
     * Runs a command with a time limit, feeding {@code stdin} (may be null). A process that outlives
     * the limit is killed and the test fails: a hung reference tool must not hang the build.
     */
    public static Result run(Duration timeout, byte[] stdin, String... command) {
        List<String> cmd = new ArrayList<>(Arrays.asList(command));
        if (!cmd.get(0).contains("/")) {
            cmd.set(0, require(cmd.get(0)).toString());
        }
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("LC_ALL", "C");
            Process p = pb.start();
            Gobbler out = new Gobbler(p.getInputStream());
            Gobbler err = new Gobbler(p.getErrorStream());
            out.start();
            err.start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            } catch (IOException ignored) {
                // The tool may exit without reading its input.
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " did not finish within " + timeout);
            }
            out.join();
            err.join();
            return new Result(cmd, p.exitValue(), out.text(), err.text());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static final class Gobbler extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        Gobbler(InputStream in) {
            this.in = in;
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                in.transferTo(buf);
            } catch (IOException ignored) {
                // The process died; keep what we have.
            }
        }

        String text() {
            return buf.toString(StandardCharsets.UTF_8);
        }
    }
}
