package io.imgtool.qemu;

import io.imgtool.core.BlockDevices;
import io.imgtool.core.HostFiles;
import io.imgtool.core.RawFileDevice;
import io.imgtool.qemu.internal.Executables;
import io.imgtool.qemu.internal.GuestProcess;
import io.imgtool.qemu.internal.KvmProbe;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Boots a disk image in an external qemu-system-x86_64 and waits for the guest to power off: the
 * hand-off of the steps that need a running guest (cloud-init, scripts, package installs), and the
 * proof that an image imgtool wrote boots.
 *
 * <p>The disk is attached as virtio with its format stated, the NoCloud seed as a second, read-only
 * virtio disk, the serial console goes to the console sink and the log. {@code -no-reboot} turns a
 * reboot into an exit, which the result reports as {@link BootOutcome#RESET}.
 *
 * <p>Where the guest's writes go ({@link Builder#mode}): by default into a copy-on-write overlay
 * committed into the image only on success; with {@link Builder#output} into a copy of the image
 * that becomes the output only on success; with {@link Builder#inPlace} straight into the image
 * (fast, but a failure leaves what the guest wrote); with {@link Builder#discardChanges} nowhere.
 *
 * <pre>{@code
 * BootResult r = BootRunner.builder()
 *         .disk(Path.of("disk.qcow2"), DiskFormat.QCOW2)
 *         .seed(NoCloudSeed.builder().userData(UserData.compose(userData, null, true)).build())
 *         .timeout(Duration.ofMinutes(15))
 *         .build().run();
 * }</pre>
 */
public final class BootRunner {

    /** Where the guest's writes go. */
    public enum Mode {
        /** An overlay, committed into the image on success, discarded on failure (the default). */
        COMMIT,
        /** A copy of the image, renamed to the output on success, deleted on failure. */
        OUTPUT,
        /** The image itself: nothing to commit, nothing undone on failure. */
        IN_PLACE,
        /** An overlay, always discarded: a test boot. */
        DISCARD
    }

    static final String QEMU = "qemu-system-x86_64";
    static final String QEMU_PACKAGE = "qemu-system-x86";

    private final Builder b;

    private BootRunner(Builder b) {
        this.b = b;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options of a boot. */
    public static final class Builder {
        private Path image;
        private DiskFormat format;
        private Path qemu;
        private String pathVariable = System.getenv("PATH");
        private long memory = 2L << 30;
        private int cpus = 2;
        private Accel accel = Accel.AUTO;
        private Path devKvm = Path.of("/dev/kvm");
        private Duration probeLimit = KvmProbe.DEFAULT_LIMIT;
        private Firmware firmware = Firmware.BIOS;
        private Path ovmfCode;
        private Path ovmfVars;
        private Path kernel;
        private Path initrd;
        private String append;
        private NoCloudSeed seed;
        private Path serialLog;
        private OutputStream console = System.err;
        private Duration timeout = Duration.ofMinutes(15);
        private Mode mode = Mode.COMMIT;
        private Path output;
        private boolean network = true;
        private CloudInitResultReader cloudInitReader;
        private Overlay.Factory overlays = Qcow2Overlay.factory(QemuImgOverlay.factory(null));
        private Path workDir;
        private final List<String> extraArgs = new ArrayList<>();

        private Builder() {
        }

        /** The disk image and its format (never probed by QEMU; see {@link DiskFormat#detect}). */
        public Builder disk(Path image, DiskFormat format) {
            this.image = image;
            this.format = format;
            return this;
        }

        /** qemu-system-x86_64 to run; default: the first on {@link #pathVariable}. */
        public Builder qemu(Path qemu) {
            this.qemu = qemu;
            return this;
        }

        /** The PATH searched for qemu-system-x86_64; default: this process's PATH. */
        public Builder pathVariable(String path) {
            this.pathVariable = path;
            return this;
        }

        /** Guest memory in bytes (rounded up to MiB); default 2 GiB. */
        public Builder memory(long bytes) {
            if (bytes < 16L << 20 || bytes > 1L << 40) {
                throw new IllegalArgumentException("memory must be between 16 MiB and 1 TiB, not " + bytes + " bytes");
            }
            this.memory = bytes;
            return this;
        }

        public Builder cpus(int n) {
            if (n < 1 || n > 255) {
                throw new IllegalArgumentException("cpus must be between 1 and 255, not " + n);
            }
            this.cpus = n;
            return this;
        }

        public Builder accel(Accel a) {
            this.accel = a;
            return this;
        }

        /** The KVM device AUTO looks at; for tests. */
        public Builder kvmDevice(Path dev) {
            this.devKvm = dev;
            return this;
        }

        /** How long AUTO's probe guest may take under KVM before TCG is chosen. */
        public Builder kvmProbeLimit(Duration d) {
            this.probeLimit = d;
            return this;
        }

        /** BIOS (default) or UEFI firmware, for booting the disk. */
        public Builder firmware(Firmware f) {
            this.firmware = f;
            return this;
        }

        /** OVMF code and variable-template images for UEFI; default: Debian's ovmf package. */
        public Builder ovmf(Path code, Path varsTemplate) {
            this.ovmfCode = code;
            this.ovmfVars = varsTemplate;
            return this;
        }

        /** Direct kernel boot: QEMU loads the kernel, the firmware does not read the disk's boot loader. */
        public Builder kernel(Path kernel, Path initrd, String append) {
            this.kernel = kernel;
            this.initrd = initrd;
            this.append = append;
            return this;
        }

        /** The NoCloud seed to attach; none when null. */
        public Builder seed(NoCloudSeed s) {
            this.seed = s;
            return this;
        }

        /** A file that receives the serial console (created or truncated). */
        public Builder serialLog(Path p) {
            this.serialLog = p;
            return this;
        }

        /** Where the serial console is streamed live; default stderr. */
        public Builder console(OutputStream out) {
            this.console = out;
            return this;
        }

        /** QEMU is killed when the guest has not powered off by then; default 15 minutes. */
        public Builder timeout(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeout must be positive");
            }
            this.timeout = d;
            return this;
        }

        /** The changes go to {@code out} (which must not exist); the image is only read. */
        public Builder output(Path out) {
            this.mode = Mode.OUTPUT;
            this.output = out;
            return this;
        }

        /** QEMU writes the image directly. */
        public Builder inPlace() {
            this.mode = Mode.IN_PLACE;
            this.output = null;
            return this;
        }

        /** Every change is thrown away: a test boot. */
        public Builder discardChanges() {
            this.mode = Mode.DISCARD;
            this.output = null;
            return this;
        }

        /** User-mode networking (NAT through QEMU) for the guest; default on. */
        public Builder network(boolean on) {
            this.network = on;
            return this;
        }

        /** Reads cloud-init's result.json offline after power-off; none by default. */
        public Builder cloudInitResultReader(CloudInitResultReader r) {
            this.cloudInitReader = r;
            return this;
        }

        /**
         * How overlays are made; default imgtool's own ({@link Qcow2Overlay}), qemu-img's where imgtool
         * cannot write the base.
         */
        public Builder overlays(Overlay.Factory f) {
            this.overlays = f;
            return this;
        }

        /** Directory for the seed and the QMP socket; default java.io.tmpdir. */
        public Builder workDir(Path dir) {
            this.workDir = dir;
            return this;
        }

        /** Extra QEMU arguments, appended as they are. */
        public Builder qemuArgs(String... args) {
            extraArgs.addAll(List.of(args));
            return this;
        }

        public BootRunner build() {
            if (image == null || format == null) {
                throw new IllegalArgumentException("no disk image given");
            }
            if (kernel == null && (initrd != null || append != null)) {
                throw new IllegalArgumentException("an initrd or kernel command line needs a kernel");
            }
            if (mode == Mode.OUTPUT && output == null) {
                throw new IllegalArgumentException("no output path");
            }
            return new BootRunner(this);
        }
    }

    /**
     * Boots the guest and waits until it powers off or fails. A guest that fails is a result, not an
     * exception; exceptions are for what stops the boot from starting (missing QEMU or files, a
     * locked image, an existing output) and for I/O errors.
     */
    public BootResult run() throws IOException {
        long t0 = System.nanoTime();
        Path qemuBin = Executables.find(QEMU, QEMU_PACKAGE, b.qemu, b.pathVariable);
        checkInputs();
        Path[] ovmf = b.firmware == Firmware.UEFI ? ovmfFiles() : null;

        Path work = Files.createTempDirectory(workParent(), "imgtool-boot-");
        Overlay overlay = null;
        Path partial = null;
        boolean success = false;
        // Interrupted (Ctrl-C, SIGTERM): QEMU gets the signal too; leave no overlay or partial output behind.
        List<Path> litter = java.util.Collections.synchronizedList(new ArrayList<>());
        litter.add(work);
        Thread cleanup = new Thread(() -> {
            synchronized (litter) {
                for (Path p : litter) {
                    try {
                        HostFiles.deleteTree(p);
                    } catch (IOException ignored) {
                        // best effort while the JVM exits
                    }
                }
            }
        }, "imgtool-boot-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            // Prepare: seed, UEFI variables, then the disk QEMU writes.
            Path seedFile = null;
            if (b.seed != null) {
                seedFile = work.resolve("seed.iso");
                b.seed.writeTo(seedFile);
            }
            Path vars = null;
            if (ovmf != null) {
                vars = work.resolve("OVMF_VARS.fd");
                Files.copy(ovmf[1], vars);
            }
            Path disk;
            DiskFormat diskFormat;
            switch (b.mode) {
                case COMMIT, DISCARD -> {
                    Path dir = b.mode == Mode.COMMIT ? b.image.toAbsolutePath().getParent() : work;
                    Path file = dir.resolve("." + b.image.getFileName() + ".imgtool-overlay-" + ProcessHandle.current().pid()
                            + ".qcow2");
                    litter.add(file);
                    overlay = b.overlays.create(b.image, b.format, file);
                    disk = overlay.file();
                    diskFormat = overlay.format();
                }
                case OUTPUT -> {
                    partial = b.output.toAbsolutePath().resolveSibling("." + b.output.getFileName() + ".imgtool-partial");
                    Files.deleteIfExists(partial);
                    litter.add(partial);
                    copySparse(b.image, partial);
                    disk = partial;
                    diskFormat = b.format;
                }
                default -> {
                    disk = b.image;
                    diskFormat = b.format;
                }
            }
            long t1 = System.nanoTime();

            // Choose the accelerator.
            KvmProbe.Decision accel = switch (b.accel) {
                case AUTO -> KvmProbe.decide(qemuBin, b.devKvm, b.probeLimit, work);
                case KVM -> new KvmProbe.Decision(Accel.KVM, "requested");
                case TCG -> new KvmProbe.Decision(Accel.TCG, "requested");
            };
            long t2 = System.nanoTime();

            Path qmpSocket = work.resolve("qmp.sock");
            List<String> command = command(qemuBin, accel.accel(), disk, diskFormat, seedFile, ovmf, vars, qmpSocket);
            note("imgtool: booting " + b.image + " with " + accel.accel().qemuName() + " (" + accel.reason() + ")");
            GuestProcess.Exit exit = GuestProcess.run(command, qmpSocket, b.timeout, b.console, b.serialLog);
            long t3 = System.nanoTime();

            Verdict v = verdict(exit);
            CloudInitResult cloudInit = null;
            if (v.outcome() == BootOutcome.POWERED_OFF && b.cloudInitReader != null) {
                Optional<CloudInitResult> r = b.cloudInitReader.read(disk, diskFormat);
                if (r.isPresent()) {
                    cloudInit = r.get();
                    if (!cloudInit.ok()) {
                        v = new Verdict(BootOutcome.CLOUD_INIT_ERRORS, cloudInit.summary());
                    }
                }
            }
            success = v.outcome().success();
            litter.clear();                           // from here on, committing must not be undone by a signal
            litter.add(work);
            Path changesIn = finish(success, overlay, partial);
            overlay = null;
            partial = null;
            long t4 = System.nanoTime();

            Accel used = exit.kvmEnabled() == null ? accel.accel() : exit.kvmEnabled() ? Accel.KVM : Accel.TCG;
            String message = v.message();
            if (!success && changesIn == null && b.mode != Mode.DISCARD) {
                message += "; " + (b.mode == Mode.OUTPUT ? "no output written" : "the image is unchanged");
            } else if (!success && b.mode == Mode.IN_PLACE) {
                message += "; the image keeps what the guest wrote (--in-place)";
            }
            return new BootResult(v.outcome(), message, used, accel.reason(), exit.status() == null ? -1 : exit.status(),
                    exit.tail(), exit.events(), cloudInit, changesIn,
                    new BootResult.Timings(Duration.ofNanos(t1 - t0), Duration.ofNanos(t2 - t1),
                            Duration.ofNanos(t3 - t2), Duration.ofNanos(t4 - t3)),
                    command);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
            if (overlay != null) {
                overlay.discard();
            }
            if (partial != null) {
                Files.deleteIfExists(partial);
            }
            HostFiles.deleteTree(work);
        }
    }

    /** Commits or discards; returns where the changes are, or null when they are gone. */
    private Path finish(boolean success, Overlay overlay, Path partial) throws IOException {
        switch (b.mode) {
            case COMMIT -> {
                if (success) {
                    overlay.commit();
                    return b.image;
                }
                overlay.discard();
                return null;
            }
            case DISCARD -> {
                overlay.discard();
                return null;
            }
            case OUTPUT -> {
                if (success) {
                    Files.move(partial, b.output, StandardCopyOption.ATOMIC_MOVE);
                    return b.output;
                }
                Files.deleteIfExists(partial);
                return null;
            }
            default -> {
                return b.image;
            }
        }
    }

    private record Verdict(BootOutcome outcome, String message) {
    }

    private Verdict verdict(GuestProcess.Exit e) {
        String last = e.tail().isEmpty() ? "" : " (last console line: \"" + e.tail().get(e.tail().size() - 1) + "\")";
        if (e.fatal() != null) {
            return switch (e.fatal().kind()) {
                case KERNEL_PANIC -> new Verdict(BootOutcome.KERNEL_PANIC, "kernel panic: " + e.fatal().line());
                case NO_BOOTABLE_DEVICE -> new Verdict(BootOutcome.NOT_BOOTABLE, "the " + (b.firmware == Firmware.UEFI
                        ? "UEFI" : "BIOS") + " firmware found nothing to boot: " + e.fatal().line());
                default -> new Verdict(BootOutcome.EMERGENCY_SHELL, "the guest dropped to an emergency shell: "
                        + e.fatal().line());
            };
        }
        if (e.guestPanicked()) {
            return new Verdict(BootOutcome.KERNEL_PANIC, "QEMU reported a guest panic" + last);
        }
        if (e.timedOut()) {
            return new Verdict(BootOutcome.TIMEOUT, "the guest did not power off within " + human(b.timeout)
                    + "; QEMU was killed" + last);
        }
        if ("guest-shutdown".equals(e.shutdownReason())) {
            List<ConsoleEvent> script = e.events().stream()
                    .filter(x -> x.kind() == ConsoleEvent.Kind.SCRIPT_FAILED).toList();
            if (!script.isEmpty()) {
                return new Verdict(BootOutcome.SCRIPT_FAILED, "the guest powered off, but the script failed: "
                        + script.get(0).line().substring(script.get(0).line().indexOf("imgtool-script:")));
            }
            List<ConsoleEvent> ci = e.events().stream().filter(x -> x.kind() == ConsoleEvent.Kind.CLOUD_INIT_ERROR).toList();
            if (!ci.isEmpty() && b.cloudInitReader == null) {
                return new Verdict(BootOutcome.CLOUD_INIT_ERRORS, "the guest powered off, but cloud-init reported: "
                        + ci.get(0).line());
            }
            return new Verdict(BootOutcome.POWERED_OFF, "the guest powered off after " + human(e.elapsed()));
        }
        if ("guest-reset".equals(e.shutdownReason())) {
            return new Verdict(BootOutcome.RESET, "the guest reset (rebooted or triple-faulted) instead of powering off"
                    + last);
        }
        String err = e.stderr().strip();
        return new Verdict(BootOutcome.QEMU_FAILED, "QEMU exited with status " + e.status()
                + (e.shutdownReason() == null ? "" : " (" + e.shutdownReason() + ")")
                + (err.isEmpty() ? "" : ": " + lastLines(err, 3)));
    }

    List<String> command(Path qemuBin, Accel accel, Path disk, DiskFormat diskFormat, Path seedFile, Path[] ovmf,
                         Path vars, Path qmpSocket) {
        List<String> c = new ArrayList<>();
        c.add(qemuBin.toString());
        // graphics=off: there is no display, so the firmware (SeaBIOS too) writes to the serial console.
        c.addAll(List.of("-name", "imgtool", "-machine", "q35,graphics=off", "-accel", accel.qemuName(),
                "-cpu", accel == Accel.KVM ? "host" : "max",
                "-m", Long.toString((b.memory + (1 << 20) - 1) >> 20), "-smp", Integer.toString(b.cpus),
                "-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio", "-monitor", "none",
                "-qmp", "unix:" + qmpSocket + ",server=on,wait=on", "-no-reboot"));
        if (ovmf != null) {
            c.addAll(List.of("-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + escape(ovmf[0]),
                    "-drive", "if=pflash,format=raw,unit=1,file=" + escape(vars)));
        }
        c.addAll(List.of("-drive", "file=" + escape(disk) + ",format=" + diskFormat.qemuName()
                        + ",if=none,id=disk0,cache=writeback,discard=unmap",
                // -kernel takes boot index 0 itself; otherwise the firmware boots this disk first.
                "-device", "virtio-blk-pci,drive=disk0" + (b.kernel == null ? ",bootindex=0" : "")));
        if (seedFile != null) {
            c.addAll(List.of("-drive", "file=" + escape(seedFile) + ",format=raw,if=none,id=seed,readonly=on",
                    "-device", "virtio-blk-pci,drive=seed"));
        }
        c.addAll(List.of("-device", "virtio-rng-pci"));
        c.addAll(b.network ? List.of("-nic", "user,model=virtio-net-pci") : List.of("-nic", "none"));
        if (b.kernel != null) {
            c.addAll(List.of("-kernel", b.kernel.toString()));
            if (b.initrd != null) {
                c.addAll(List.of("-initrd", b.initrd.toString()));
            }
            if (b.append != null) {
                c.addAll(List.of("-append", b.append));
            }
        }
        c.addAll(b.extraArgs);
        return c;
    }

    /** QEMU's -drive splits on commas; a comma in a file name is written twice. */
    private static String escape(Path p) {
        return p.toAbsolutePath().toString().replace(",", ",,");
    }

    private void checkInputs() throws IOException {
        if (!Files.isRegularFile(b.image)) {
            if (Files.exists(b.image)) {
                throw new IllegalArgumentException(b.image + " is not a regular file");
            }
            throw new NoSuchFileException(b.image.toString());
        }
        for (Path p : new Path[] {b.kernel, b.initrd}) {
            if (p != null && !Files.isRegularFile(p)) {
                throw new NoSuchFileException(p.toString());
            }
            if (p != null && !Files.isReadable(p)) {
                throw new java.nio.file.AccessDeniedException(p.toString());
            }
        }
        if (b.serialLog != null && b.serialLog.toAbsolutePath().getParent() != null
                && !Files.isDirectory(b.serialLog.toAbsolutePath().getParent())) {
            throw new NoSuchFileException(b.serialLog.toAbsolutePath().getParent().toString());
        }
        if (b.mode == Mode.OUTPUT) {
            if (Files.exists(b.output)) {
                throw new FileAlreadyExistsException(b.output.toString());
            }
            Path parent = b.output.toAbsolutePath().getParent();
            if (!Files.isDirectory(parent)) {
                throw new NoSuchFileException(parent.toString());
            }
        }
        if (b.mode == Mode.COMMIT || b.mode == Mode.IN_PLACE) {
            // The image will be written: fail now, not after the boot, if it is locked or read-only.
            try (RawFileDevice d = RawFileDevice.open(b.image, true)) {
                d.size();
            }
        }
    }

    private Path[] ovmfFiles() throws IOException {
        Path code = b.ovmfCode;
        Path vars = b.ovmfVars;
        if (code == null) {
            Path dir = Path.of("/usr/share/OVMF");
            boolean big = Files.exists(dir.resolve("OVMF_CODE_4M.fd"));
            code = dir.resolve(big ? "OVMF_CODE_4M.fd" : "OVMF_CODE.fd");
            vars = dir.resolve(big ? "OVMF_VARS_4M.fd" : "OVMF_VARS.fd");
        }
        for (Path p : new Path[] {code, vars}) {
            if (p == null || !Files.isRegularFile(p)) {
                throw new QemuNotFoundException("UEFI firmware", "ovmf", p + " does not exist");
            }
        }
        return new Path[] {code, vars};
    }

    private Path workParent() {
        Path dir = b.workDir != null ? b.workDir : Path.of(System.getProperty("java.io.tmpdir"));
        // A Unix socket path is limited to 107 bytes.
        return dir.toAbsolutePath().toString().length() > 60 ? Path.of("/tmp") : dir;
    }

    private static void copySparse(Path from, Path to) throws IOException {
        try (RawFileDevice src = RawFileDevice.open(from, false); RawFileDevice dst = RawFileDevice.create(to, src.size())) {
            BlockDevices.copySparse(src, 0, dst, 0, src.size());
            dst.flush();
        }
    }

    private void note(String line) {
        try {
            synchronized (b.console) {
                b.console.write((line + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                b.console.flush();
            }
        } catch (IOException ignored) {
            // the console sink is best effort
        }
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 120) {
            return d.toMillis() % 1000 == 0 || s >= 10 ? s + " s" : String.format("%.1f s", d.toMillis() / 1000.0);
        }
        return s / 60 + " min" + (s % 60 == 0 ? "" : " " + s % 60 + " s");
    }

    private static String lastLines(String s, int n) {
        String[] lines = s.split("\n");
        return String.join(" / ", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - n), lines.length));
    }
}
