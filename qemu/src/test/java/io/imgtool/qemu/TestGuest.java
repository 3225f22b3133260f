package io.imgtool.qemu;

import io.imgtool.testdata.CpioWriter;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.TestKernel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The minimal guest of the boot tests, built without imgtool's ext4 writer: the host's cloud kernel
 * and an initramfs made here (busybox from busybox-static, the virtio and ISO 9660 modules, and
 * test-init.sh as /init). The disk is a plain raw file; the init script writes a marker into it.
 */
public final class TestGuest {

    /** Modules the init script loads: virtio disks and ISO 9660 (with their dependencies). */
    static final String[] MODULES = {"virtio_pci", "virtio_blk", "isofs"};
    /** Where the init script writes its marker in the disk. */
    static final int MARKER_OFFSET = 8 * 512;

    private TestGuest() {
    }

    /** Writes the initramfs to {@code file}; skips the test if the kernel or busybox is missing. */
    public static Path initramfs(TestKernel k, Path file) throws IOException {
        Path busybox = Tools.require("busybox", "busybox-static");
        byte[] bb = Files.readAllBytes(busybox);
        if (!isStatic(bb)) {
            throw new IllegalStateException(busybox + " is not statically linked (install busybox-static)");
        }
        CpioWriter cpio = new CpioWriter();
        cpio.dir("/dev", 0755).charDevice("/dev/console", 0600, 5, 1).charDevice("/dev/null", 0666, 1, 3);
        cpio.dir("/proc", 0755).dir("/sys", 0755).dir("/mnt", 0755).dir("/root", 0700);
        cpio.file("/bin/busybox", 0755, bb);
        cpio.symlink("/bin/sh", "busybox");
        List<String> order = new ArrayList<>();
        for (Path m : k.moduleFiles(MODULES)) {
            String name = m.getFileName().toString();
            if (!name.endsWith(".ko")) {
                throw new IllegalStateException("compressed module " + m + ": busybox insmod needs plain .ko files");
            }
            cpio.file("/modules/" + name, 0644, Files.readAllBytes(m));
            order.add(name);
        }
        cpio.file("/modules.order", 0644, (String.join("\n", order) + "\n").getBytes());
        try (InputStream in = TestGuest.class.getResourceAsStream("test-init.sh")) {
            cpio.file("/init", 0755, in.readAllBytes());
        }
        Files.write(file, cpio.toByteArray());
        return file;
    }

    /** The kernel command line for a test mode (seed, hang, reboot, emergency). */
    public static String append(String mode) {
        return "console=ttyS0 panic=-1 imgtool.test=" + mode;
    }

    /** A raw disk of {@code mib} MiB with a recognisable first sector. */
    public static Path disk(Path file, int mib) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap("imgtool test disk\n".getBytes()), 0);
            ch.truncate((long) mib << 20);
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {0}), ((long) mib << 20) - 1);
        }
        return file;
    }

    /** The marker line the guest wrote, or "" if none. */
    public static String marker(Path disk) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(disk)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(64);
            ch.read(b, MARKER_OFFSET);
            String s = new String(b.array(), 0, b.position(), java.nio.charset.StandardCharsets.US_ASCII);
            int nl = s.indexOf('\n');
            return s.startsWith("IMGTOOL-TEST-MARKER") && nl > 0 ? s.substring(0, nl) : "";
        }
    }

    private static boolean isStatic(byte[] elf) {
        // A dynamically linked ELF has a PT_INTERP program header naming the loader.
        String s = new String(elf, 0, Math.min(elf.length, 4096), java.nio.charset.StandardCharsets.ISO_8859_1);
        return !s.contains("/lib64/ld-linux") && !s.contains("/lib/ld-linux");
    }

    /** qemu-system-x86_64, or a skipped test (a failed one under CI=true). */
    public static Path qemu() {
        return ReferenceTools.require("qemu-system-x86_64");
    }
}
