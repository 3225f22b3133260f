package io.imgtool.gpt;

import io.imgtool.testdata.ReferenceTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Boots the host's Linux kernel under qemu-system with a tiny initramfs (busybox plus the host's own
 * {@code blkid} and {@code sgdisk} and their libraries), attaches an image as a virtio disk with a
 * chosen logical block size, runs shell commands in the guest and returns what they print. This is
 * how the tests ask the real kernel, and {@code blkid -p} on a real partition device, about a table
 * without root or loop devices on the host. About 4-8 s per boot under TCG.
 */
final class KernelProbe {

    private static final String BEGIN = "===IMGTOOL-BEGIN===";
    private static final String END = "===IMGTOOL-END===";
    private static Path baseInitrd;

    private KernelProbe() {
    }

    /** The cloud kernel if there is one (smaller, virtio built for VMs), else any kernel with modules. */
    private static Path[] kernelAndModules() throws IOException {
        List<Path> kernels;
        try (Stream<Path> s = Files.list(Path.of("/boot"))) {
            kernels = s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-")).sorted().toList();
        } catch (IOException e) {
            kernels = List.of();
        }
        Path best = null;
        for (Path k : kernels) {
            if (!Files.isReadable(k)) {
                continue;
            }
            if (best == null || k.getFileName().toString().contains("cloud")) {
                best = k;
            }
        }
        if (best == null) {
            String msg = "no readable /boot/vmlinuz-* kernel (Debian package linux-image-cloud-amd64)";
            if (ReferenceTools.isCi()) {
                Assertions.fail("CI=true and " + msg);
            }
            System.err.println("\n*** SKIPPED: " + msg + " ***\n");
            Assumptions.abort(msg);
        }
        String version = best.getFileName().toString().substring("vmlinuz-".length());
        return new Path[] {best, Path.of("/lib/modules", version)};
    }

    /** Built once per JVM under java.io.tmpdir (target/tmp in Maven runs), reused by every boot. */
    private static synchronized Path baseInitrd(Path modules) throws IOException {
        if (baseInitrd != null && Files.exists(baseInitrd)) {
            return baseInitrd;
        }
        Path work = Path.of(System.getProperty("java.io.tmpdir"), "imgtool-kernel-probe");
        if (Files.exists(work)) {
            try (Stream<Path> s = Files.walk(work)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(work);
        Path root = work.resolve("initrd-root");
        Path busybox = ReferenceTools.require("busybox");
        List<Path> binaries = List.of(ReferenceTools.require("blkid"), ReferenceTools.require("sgdisk"));
        Files.createDirectories(root.resolve("bin"));
        Files.createDirectories(root.resolve("sbin"));
        Files.createDirectories(root.resolve("mods"));
        for (String d : new String[] {"proc", "sys", "dev", "tmp"}) {
            Files.createDirectories(root.resolve(d));
        }
        Files.copy(busybox, root.resolve("bin/busybox"));
        Set<Path> libs = new LinkedHashSet<>();
        for (Path b : binaries) {
            Files.copy(b, root.resolve("sbin").resolve(b.getFileName()));
            String ldd = ReferenceTools.runOk("ldd", b.toString()).stdout();
            for (String line : ldd.split("\n")) {
                for (String word : line.trim().split("\\s+")) {
                    if (word.startsWith("/")) {
                        libs.add(Path.of(word));
                    }
                }
            }
        }
        for (Path lib : libs) {
            Path dst = root.resolve(lib.toString().substring(1));
            Files.createDirectories(dst.getParent());
            Files.copy(lib.toRealPath(), dst, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        // virtio modules in load order; kernels that build them in simply lack the files.
        List<String> order = new ArrayList<>();
        for (String m : new String[] {"virtio/virtio_ring", "virtio/virtio", "virtio/virtio_pci_legacy_dev",
                "virtio/virtio_pci_modern_dev", "virtio/virtio_pci", "block/virtio_blk"}) {
            Path ko = modules.resolve("kernel/drivers/" + m + ".ko");
            if (Files.exists(ko)) {
                Files.copy(ko, root.resolve("mods").resolve(ko.getFileName()));
                order.add(ko.getFileName().toString());
            }
        }
        String init = "#!/bin/busybox sh\n"
                + "/bin/busybox mount -t proc p /proc\n"
                + "/bin/busybox mount -t sysfs s /sys\n"
                + "/bin/busybox mount -t devtmpfs d /dev\n"
                + "for m in " + String.join(" ", order) + "; do /bin/busybox insmod /mods/$m 2>/dev/null; done\n"
                + "n=0; while [ ! -b /dev/vda ] && [ $n -lt 50 ]; do /bin/busybox sleep 0.1; n=$((n+1)); done\n"
                + "/bin/busybox sleep 0.3\n"
                + "export PATH=/sbin:/bin\n"
                + "/bin/busybox --install -s /bin 2>/dev/null\n"
                + "echo " + BEGIN + "\n"
                + "/bin/busybox sh /cmds.sh 2>&1\n"
                + "echo " + END + "\n"
                + "/bin/busybox poweroff -f\n";
        Files.writeString(root.resolve("init"), init);
        root.resolve("init").toFile().setExecutable(true);
        Path cpio = work.resolve("base.cpio");
        cpio(root, cpio);
        baseInitrd = cpio;
        return cpio;
    }

    /** Packs {@code root} into a newc cpio archive with busybox cpio. */
    private static void cpio(Path root, Path out) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(p -> !p.equals(root)).forEach(p -> names.add(root.relativize(p).toString()));
        }
        String script = "cd '" + root + "' && busybox cpio -o -H newc > '" + out + "'";
        ReferenceTools.Result r = ReferenceTools.run(Duration.ofMinutes(2),
                String.join("\n", names).concat("\n").getBytes(StandardCharsets.UTF_8), "/bin/sh", "-c", script);
        r.assertOk();
    }

    /**
     * Boots with {@code image} as /dev/vda (raw, {@code blockSize}-byte logical and physical sectors)
     * and returns what {@code commands} (a shell script) printed.
     */
    static String run(Path work, Path image, int blockSize, String commands) throws IOException {
        ReferenceTools.require("qemu-system-x86_64");
        Path[] km = kernelAndModules();
        Files.createDirectories(work);
        Path base = baseInitrd(km[1]);
        Path extra = work.resolve("cmds-root");
        Files.createDirectories(extra);
        Files.writeString(extra.resolve("cmds.sh"), commands);
        Path extraCpio = work.resolve("cmds.cpio");
        Files.deleteIfExists(extraCpio);
        cpio(extra, extraCpio);
        Path initrd = work.resolve("initrd.cpio");
        try (var o = Files.newOutputStream(initrd)) {
            Files.copy(base, o);
            Files.copy(extraCpio, o);
        }
        // TCG by default: /dev/kvm may exist where KVM does not work (nested virtualisation).
        // IMGTOOL_QEMU_ACCEL=kvm speeds the boot up where it does.
        String accel = "kvm".equals(System.getenv("IMGTOOL_QEMU_ACCEL")) ? "kvm:tcg" : "tcg";
        ReferenceTools.Result r = ReferenceTools.run(Duration.ofSeconds(120), null, "qemu-system-x86_64",
                "-machine", "q35,accel=" + accel, "-m", "256", "-nographic", "-no-reboot",
                "-kernel", km[0].toString(), "-initrd", initrd.toString(),
                "-append", "console=ttyS0 quiet panic=-1",
                "-drive", "file=" + image + ",format=raw,if=none,id=d,cache=unsafe",
                "-device", "virtio-blk-pci,drive=d,logical_block_size=" + blockSize + ",physical_block_size="
                        + blockSize);
        String out = r.stdout().replace("\r", "");
        int b = out.indexOf(BEGIN + "\n");
        int e = out.indexOf(END);
        if (b < 0 || e < b) {
            throw new AssertionError("the guest did not run the commands:\n" + r.describe());
        }
        return out.substring(b + BEGIN.length() + 1, e);
    }
}
