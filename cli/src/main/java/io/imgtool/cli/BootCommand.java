package io.imgtool.cli;

import io.imgtool.core.Json;
import io.imgtool.core.Sizes;
import io.imgtool.qemu.Accel;
import io.imgtool.qemu.BootOutcome;
import io.imgtool.qemu.BootResult;
import io.imgtool.qemu.BootRunner;
import io.imgtool.qemu.DiskFormat;
import io.imgtool.qemu.Firmware;
import io.imgtool.qemu.NoCloudSeed;
import io.imgtool.qemu.QemuNotFoundException;
import io.imgtool.qemu.UserData;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgtool boot}: runs the image in qemu-system-x86_64 until the guest powers off. */
@Command(name = "boot", mixinStandardHelpOptions = true,
        description = {"Boot IMAGE in qemu-system-x86_64 with a cloud-init NoCloud seed, stream the serial console"
                + " to stderr, and wait for the guest to power off.",
                "By default the guest writes into a copy-on-write overlay that is committed into IMAGE only if the"
                        + " guest powers off cleanly; on any failure IMAGE is left as it was. The seed's user-data"
                        + " ends with a cloud-init power_state request, so a cloud-init guest powers off when done."},
        footerHeading = "%nExit codes:%n",
        footer = {"  0  the guest powered off (and the script succeeded)",
                "  2  wrong arguments",
                "  3  IMAGE or another input file missing or unreadable",
                "  5  IMAGE is locked by another process",
                " 10  qemu-system-x86_64 (package qemu-system-x86), qemu-img or OVMF missing",
                " 11  the guest failed: nothing to boot, kernel panic, emergency shell, reset,",
                "     failed script, cloud-init errors, QEMU error",
                " 12  the guest did not power off within --timeout and was killed"})
public final class BootCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk image (raw or qcow2).")
    Path image;

    @Option(names = "--format", paramLabel = "raw|qcow2",
            description = "Format of IMAGE; default: qcow2 if it starts with the qcow2 magic, else raw.")
    String format;

    @Option(names = "--user-data", paramLabel = "FILE", description = "cloud-init user-data for the seed.")
    Path userData;

    @Option(names = "--meta-data", paramLabel = "FILE",
            description = "cloud-init meta-data for the seed; default: a fresh instance-id (and --hostname).")
    Path metaData;

    @Option(names = "--network-config", paramLabel = "FILE", description = "cloud-init network-config for the seed.")
    Path networkConfig;

    @Option(names = "--hostname", description = "local-hostname of the generated meta-data.")
    String hostname;

    @Option(names = "--script", paramLabel = "FILE",
            description = "A script cloud-init runs once in the guest; its exit status decides success.")
    Path script;

    @Option(names = "--no-power-off",
            description = "Do not add cloud-init's power_state request (the guest must power off by itself).")
    boolean noPowerOff;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "15m",
            description = "Kill QEMU if the guest has not powered off by then: 90s, 15m, 1h30m (default ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "2G", description = "Guest memory (default ${DEFAULT-VALUE}).")
    String memory;

    @Option(names = "--cpus", paramLabel = "N", defaultValue = "2", description = "Virtual CPUs (default ${DEFAULT-VALUE}).")
    int cpus;

    @Option(names = "--accel", paramLabel = "auto|kvm|tcg", defaultValue = "auto",
            description = "auto: KVM if a probe guest runs under it in time, else TCG (default ${DEFAULT-VALUE}).")
    Accel accel;

    @Option(names = "--uefi", description = "Boot with OVMF (Debian package ovmf) instead of SeaBIOS.")
    boolean uefi;

    @Option(names = "--kernel", paramLabel = "FILE", description = "Direct kernel boot: this kernel instead of the disk's boot loader.")
    Path kernel;

    @Option(names = "--initrd", paramLabel = "FILE", description = "Initramfs for --kernel.")
    Path initrd;

    @Option(names = "--append", paramLabel = "ARGS", description = "Kernel command line for --kernel.")
    String append;

    @Option(names = "--serial-log", paramLabel = "FILE", description = "Also write the serial console to FILE.")
    Path serialLog;

    @Option(names = "--quiet", description = "Do not stream the serial console to stderr.")
    boolean quiet;

    @Option(names = "--no-network", description = "No network device (default: user-mode NAT).")
    boolean noNetwork;

    @Option(names = "--qemu", paramLabel = "PATH", description = "qemu-system-x86_64 to run (default: from PATH).")
    Path qemu;

    @ArgGroup(exclusive = true)
    Target target;

    static final class Target {
        @Option(names = "--in-place", description = "QEMU writes IMAGE directly (no overlay; a failure keeps what the guest wrote).")
        boolean inPlace;

        @Option(names = {"-o", "--output"}, paramLabel = "OUT",
                description = "Write the result to OUT (must not exist); IMAGE is only read.")
        Path output;

        @Option(names = "--discard", description = "Throw the guest's changes away (a test boot).")
        boolean discard;
    }

    @Mixin
    JsonOption json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (kernel == null && (initrd != null || append != null)) {
            throw new IllegalArgumentException("--initrd and --append need --kernel");
        }
        if (metaData != null && hostname != null) {
            throw new IllegalArgumentException("--meta-data and --hostname exclude each other");
        }
        DiskFormat fmt = format != null ? DiskFormat.of(format) : DiskFormat.detect(image);
        NoCloudSeed.Builder seed = NoCloudSeed.builder()
                .userData(UserData.compose(read(userData), read(script), !noPowerOff));
        if (metaData != null) {
            seed.metaData(Files.readAllBytes(metaData));
        }
        if (hostname != null) {
            seed.hostname(hostname);
        }
        if (networkConfig != null) {
            seed.networkConfig(Files.readAllBytes(networkConfig));
        }
        BootRunner.Builder b = BootRunner.builder()
                .disk(image, fmt)
                .seed(seed.build())
                .qemu(qemu)
                .memory(Sizes.parse(memory))
                .cpus(cpus)
                .accel(accel)
                .firmware(uefi ? Firmware.UEFI : Firmware.BIOS)
                .timeout(parseDuration(timeout))
                .network(!noNetwork)
                .serialLog(serialLog)
                .console(quiet ? OutputStream.nullOutputStream() : System.err);
        if (kernel != null) {
            b.kernel(kernel, initrd, append);
        }
        if (target != null && target.inPlace) {
            b.inPlace();
        } else if (target != null && target.output != null) {
            b.output(target.output);
        } else if (target != null && target.discard) {
            b.discardChanges();
        }
        BootResult r;
        try {
            r = b.build().run();
        } catch (QemuNotFoundException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println(spec.commandLine().getColorScheme().errorText("imgtool boot: " + e.getMessage()));
            err.flush();
            return ExitCodes.QEMU_MISSING;
        }
        print(r);
        if (r.success()) {
            return ExitCodes.OK;
        }
        return r.outcome() == BootOutcome.TIMEOUT ? ExitCodes.GUEST_TIMEOUT : ExitCodes.GUEST_FAILED;
    }

    private void print(BootResult r) {
        PrintWriter out = spec.commandLine().getOut();
        if (json.enabled()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("outcome", r.outcome());
            m.put("success", r.success());
            m.put("message", r.message());
            m.put("accel", r.accel());
            m.put("accel_reason", r.accelReason());
            m.put("qemu_exit_status", r.qemuExitStatus());
            m.put("changes_in", r.changesIn() == null ? null : r.changesIn().toString());
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("prepare_ms", r.timings().prepare().toMillis());
            t.put("probe_ms", r.timings().probe().toMillis());
            t.put("guest_ms", r.timings().guest().toMillis());
            t.put("finish_ms", r.timings().finish().toMillis());
            m.put("timings", t);
            m.put("events", r.events().stream().map(e -> Map.of("kind", e.kind(), "line", e.line())).toList());
            if (r.cloudInit() != null) {
                m.put("cloud_init", Map.of("datasource", String.valueOf(r.cloudInit().datasource()),
                        "errors", r.cloudInit().errors()));
            }
            out.println(Json.write(m));
        } else {
            out.println((r.success() ? "ok: " : "FAILED (" + r.outcome().name().toLowerCase(java.util.Locale.ROOT)
                    .replace('_', ' ') + "): ") + r.message());
            out.println("accelerator: " + r.accel().qemuName() + " (" + r.accelReason() + ")");
            out.printf("time: guest %.1f s, prepare %.2f s, finish %.2f s%n", r.timings().guest().toMillis() / 1000.0,
                    r.timings().prepare().toMillis() / 1000.0, r.timings().finish().toMillis() / 1000.0);
            if (r.changesIn() != null) {
                out.println("changes in: " + r.changesIn());
            }
        }
        out.flush();
    }

    private static byte[] read(Path p) throws java.io.IOException {
        return p == null ? null : Files.readAllBytes(p);
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+)(h|ms|m|s)");

    /** "90" (seconds), "90s", "15m", "1h30m", "500ms". */
    static Duration parseDuration(String s) {
        String t = s.trim();
        if (t.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(t));
        }
        Matcher m = DURATION.matcher(t);
        Duration d = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            long n = Long.parseLong(m.group(1));
            d = d.plus(switch (m.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMillis(n);
            });
            end = m.end();
        }
        if (end != t.length() || t.isEmpty() || d.isZero()) {
            throw new IllegalArgumentException("not a duration: '" + s + "' (examples: 90s, 15m, 1h30m)");
        }
        return d;
    }
}
