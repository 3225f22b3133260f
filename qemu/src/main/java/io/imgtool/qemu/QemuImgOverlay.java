package io.imgtool.qemu;

import io.imgtool.qemu.internal.Executables;
import io.imgtool.qemu.internal.Processes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An {@link Overlay} made and committed by qemu-img: {@code qemu-img create -f qcow2 -b BASE -F FMT
 * OVERLAY}, then {@code qemu-img commit}, which copies only the clusters the guest wrote.
 */
public final class QemuImgOverlay implements Overlay {

    private final Path qemuImg;
    private final Path file;
    private boolean ended;

    private QemuImgOverlay(Path qemuImg, Path file) {
        this.qemuImg = qemuImg;
        this.file = file;
    }

    /** A factory that uses {@code qemuImg}, or qemu-img from PATH when null. */
    public static Overlay.Factory factory(Path qemuImg) {
        return (base, baseFormat, overlay) -> create(qemuImg, base, baseFormat, overlay);
    }

    public static QemuImgOverlay create(Path qemuImg, Path base, DiskFormat baseFormat, Path overlay)
            throws IOException {
        Path tool = Executables.find("qemu-img", "qemu-utils", qemuImg, System.getenv("PATH"));
        if (Files.exists(overlay)) {
            throw new java.nio.file.FileAlreadyExistsException(overlay.toString());
        }
        run(tool, "create", "-q", "-f", "qcow2", "-b", base.toAbsolutePath().toString(), "-F",
                baseFormat.qemuName(), overlay.toString());
        return new QemuImgOverlay(tool, overlay);
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public synchronized void commit() throws IOException {
        if (ended) {
            throw new IllegalStateException("overlay " + file + " was already committed or discarded");
        }
        run(qemuImg, "commit", "-q", "-f", "qcow2", file.toString());
        ended = true;
        Files.deleteIfExists(file);
    }

    @Override
    public synchronized void discard() throws IOException {
        ended = true;
        Files.deleteIfExists(file);
    }

    private static void run(Path tool, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(tool.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        byte[] output;
        try {
            output = p.getInputStream().readNBytes(1 << 16);
            if (!p.waitFor(1, TimeUnit.HOURS)) {
                Processes.stop(p);
                throw new IOException(String.join(" ", cmd) + " did not finish within an hour");
            }
        } catch (InterruptedException e) {
            Processes.stop(p);
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted: " + String.join(" ", cmd));
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): "
                    + new String(output, StandardCharsets.UTF_8).strip());
        }
    }
}
