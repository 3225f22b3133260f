package io.imgtool.qemu.internal;

import io.imgtool.qemu.Accel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Decides {@link Accel#AUTO}: KVM only if a small guest actually runs under it, in time.
 *
 * <p>/dev/kvm existing proves little: under nested virtualisation (a VM in a VM without hardware
 * assistance) KVM starts, runs real-mode code, then crawls or stalls once the guest enables
 * protected mode and paging; a Linux kernel then does not get past its decompressor in minutes
 * while TCG boots it in seconds. So the probe is a 64 KiB firmware image
 * ({@code kvm-probe.S} next to this class) that copies itself to RAM, enters protected mode, then
 * long mode with paging, writes 16 MiB of memory and exits QEMU through the isa-debug-exit port
 * (exit status 33). Under TCG it takes about 0.1 s; under working KVM less.
 */
public final class KvmProbe {

    /** What AUTO chose and why, for the user. */
    public record Decision(Accel accel, String reason) {
    }

    /** How long the probe guest may take under KVM. */
    public static final Duration DEFAULT_LIMIT = Duration.ofSeconds(3);
    /** QEMU's exit status when the probe writes 0x10 to isa-debug-exit: (0x10 << 1) | 1. */
    static final int SUCCESS_STATUS = 33;

    /** The assembled code of kvm-probe.S from offset 0 (as {@code as --32} and {@code ld --oformat binary} make it). */
    static final String CODE_HEX = "fafcb800f08ed8b800088ec031f631ffb90601f3a4ea1a0000088cc88ed8660f011600010f20c0"
            + "6683c8010f22c066ea36800000080066b818008ed88ec08ed0bf0010000031c0b9000c0000f3abc70500100000032000"
            + "00c7050020000003300000bf00300000b883000000b9400000008907050000200083c708e2f40f20e083c8200f22e0b8"
            + "001000000f22d8b9800000c00f320d000100000f300f20c00d000000800f22c0eaae800000100048c7c70000200048c7"
            + "c10000200048b8157c4a7fb979379e4889074801f84883c70848ffc975f1b010e6f4f4ebfd8db400000000000000000000"
            + "ffff0000009acf00ffff0000009aaf00ffff00000092cf001f00e0800000";
    /** At the reset vector (0xfff0): ljmp $0xf000, $0. */
    static final String RESET_HEX = "ea000000f0";

    private KvmProbe() {
    }

    /** The 64 KiB firmware image. */
    public static byte[] firmware() {
        byte[] img = new byte[65536];
        byte[] code = HexFormat.of().parseHex(CODE_HEX);
        System.arraycopy(code, 0, img, 0, code.length);
        byte[] reset = HexFormat.of().parseHex(RESET_HEX);
        System.arraycopy(reset, 0, img, 0xfff0, reset.length);
        return img;
    }

    /** The QEMU arguments that run the probe firmware under {@code accel}. */
    static List<String> command(Path qemu, Path firmware, Accel accel) {
        return List.of(qemu.toString(), "-accel", accel.qemuName(), "-machine", "pc", "-m", "64",
                "-display", "none", "-nodefaults", "-no-user-config", "-bios", firmware.toString(),
                "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-serial", "none", "-monitor", "none");
    }

    /**
     * Chooses KVM or TCG.
     *
     * @param devKvm the KVM device, normally /dev/kvm
     * @param workDir a directory for the probe firmware
     */
    public static Decision decide(Path qemu, Path devKvm, Duration limit, Path workDir) throws IOException {
        if (!Files.exists(devKvm)) {
            return new Decision(Accel.TCG, devKvm + " does not exist (no KVM on this host)");
        }
        if (!Files.isReadable(devKvm) || !Files.isWritable(devKvm)) {
            return new Decision(Accel.TCG, devKvm + " is not accessible to this user (group kvm?)");
        }
        Path fw = workDir.resolve("kvm-probe.bin");
        Files.write(fw, firmware());
        try {
            Result r = run(qemu, fw, Accel.KVM, limit);
            if (r.status() != null && r.status() == SUCCESS_STATUS) {
                return new Decision(Accel.KVM, "a probe guest ran under KVM in " + r.millis() + " ms");
            }
            if (r.status() == null) {
                return new Decision(Accel.TCG, "KVM is present but a probe guest did not finish within "
                        + limit.toMillis() + " ms (nested virtualisation without hardware support?)");
            }
            return new Decision(Accel.TCG, "KVM failed (qemu exit status " + r.status() + ": "
                    + firstLine(r.stderr()) + ")");
        } finally {
            Files.deleteIfExists(fw);
        }
    }

    /** The probe's QEMU exit status (null when killed at the limit), its run time and stderr. */
    record Result(Integer status, long millis, String stderr) {
    }

    static Result run(Path qemu, Path firmware, Accel accel, Duration limit) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(qemu, firmware, accel));
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Path err = Files.createTempFile(firmware.getParent(), "kvm-probe", ".err");
        pb.redirectError(err.toFile());
        long start = System.nanoTime();
        Process p = pb.start();
        try {
            boolean done = p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            long millis = (System.nanoTime() - start) / 1_000_000;
            if (!done) {
                Processes.stop(p);
                return new Result(null, millis, Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), millis, Files.readString(err, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Processes.stop(p);
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while probing KVM");
        } finally {
            Files.deleteIfExists(err);
        }
    }

    private static String firstLine(String s) {
        for (String line : s.split("\n")) {
            if (!line.isBlank() && !line.contains("warning:")) {
                return line.strip();
            }
        }
        return s.strip().isEmpty() ? "no message" : s.strip().split("\n")[0];
    }
}
