package io.imgtool.cli;

import io.imgtool.core.Json;
import io.imgtool.core.RawFileDevice;
import io.imgtool.publish.HashAlgorithm;
import io.imgtool.publish.PgpSigner;
import io.imgtool.publish.Publisher;
import io.imgtool.qcow2.DiskImage;
import io.imgtool.qcow2.Qcow2Options;
import io.imgtool.qemu.Accel;
import io.imgtool.qemu.BootOutcome;
import io.imgtool.qemu.NoCloudSeed;
import io.imgtool.qemu.UserData;
import io.imgtool.sysprep.Change;
import io.imgtool.sysprep.Operation;
import io.imgtool.sysprep.OsFamily;
import io.imgtool.sysprep.Registry;
import io.imgtool.sysprep.Sysprep;
import io.imgtool.sysprep.SysprepReport;
import io.imgtool.sysprep.seal.SealReport;
import io.imgtool.sysprep.seal.Sealer;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code imgtool seal IMAGE}: from a used VM image to a clean, small, signed golden image, offline
 * ({@link Sealer}); also {@code --list-operations} and {@code --guest-dir DIR} (a guest tree in a host
 * directory).
 */
@Command(name = "seal", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Seal a guest image: remove what makes it one machine (logs, keys, leases, ids), customise it "
                + "offline, drop free space, and write a compressed, checksummed, signed image.",
                "  imgtool seal used.qcow2 -o golden.qcow2 --compress deflate --sign-key k.asc",
                "  imgtool seal used.qcow2 -o golden.raw.xz --xz --index-entry golden.index",
                "  imgtool seal used.qcow2 --in-place",
                "  imgtool seal used.qcow2 --dry-run",
                "With -o the input is only read. Output files are never overwritten."})
public final class SealCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "IMAGE", description = "The image to seal (qcow2 or raw).")
    Path image;

    @ArgGroup(exclusive = true)
    Target target;

    static final class Target {
        @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "Write the sealed image to OUT (must not exist).")
        Path output;

        @Option(names = "--in-place", description = "Seal IMAGE where it is (its free space is discarded).")
        boolean inPlace;
    }

    @Option(names = {"-n", "--dry-run"}, description = "List every guest path that would be removed, truncated or changed; write nothing.")
    boolean dryRun;

    @Option(names = "--format", paramLabel = "qcow2|raw", defaultValue = "qcow2", description = "Output format (default ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--compress", paramLabel = "deflate|zstd|none", defaultValue = "none",
            description = "Compress qcow2 clusters (default ${DEFAULT-VALUE}).")
    String compress;

    @Option(names = "--xz", description = "Write a raw image as .xz with 16 MiB blocks (virt-builder's form), compressed in parallel.")
    boolean xz;

    @Option(names = "--xz-level", paramLabel = "0-9", defaultValue = "6", description = "xz preset (default ${DEFAULT-VALUE}).")
    int xzLevel;

    @Option(names = "--input-format", paramLabel = "qcow2|raw", description = "The input's format (default: probed).")
    String inputFormat;

    @Option(names = "--root-partition", paramLabel = "N", description = "The root partition, when imgtool cannot tell.")
    Integer rootPartition;

    @Option(names = "--label-root", paramLabel = "NAME",
            description = "Name the root partition NAME (GPT), or label the root filesystem NAME (MBR, bare filesystem).")
    String labelRoot;

    @Option(names = "--new-uuids", description = "New filesystem UUIDs, GPT partition GUIDs and disk GUID; /etc/fstab and the boot loader's configuration follow.")
    boolean newUuids;

    @Option(names = "--keep-free-space", description = "Keep the filesystems' free space and the gaps between partitions "
            + "in the output (default: dropped). Removed files' bytes then stay in free space unless --scrub-deleted.")
    boolean keepFreeSpace;

    @Mixin
    SealOptions seal;

    @Option(names = "--no-checksums", description = "Write no SHA256SUMS.")
    boolean noChecksums;

    @Option(names = "--sha512", description = "Also write SHA512SUMS.")
    boolean sha512;

    @Option(names = "--sign-key", paramLabel = "SECRETKEY", description = "Sign the sums files with this OpenPGP secret key (imgtool keygen makes one).")
    Path signKey;

    @Mixin
    Passphrases passphrase;

    @Option(names = "--signature", paramLabel = "clearsign|detached|binary", split = ",",
            description = "Signature forms: clearsign (SHA256SUMS.asc, default), detached (armored SHA256SUMS.sign), binary (SHA256SUMS.sig).")
    List<String> signatures = new ArrayList<>();

    @Option(names = "--index-entry", paramLabel = "FILE", description = "Write a virt-builder index entry for the .xz image to FILE (needs --xz).")
    Path indexEntry;

    @Option(names = "--os-version", paramLabel = "NAME", description = "The index entry's name (default: ID-VERSION_ID of the guest, e.g. debian-12).")
    String osVersion;

    @Option(names = "--revision", paramLabel = "N", defaultValue = "1", description = "The index entry's revision (default ${DEFAULT-VALUE}).")
    int revision;

    @Option(names = "--arch", paramLabel = "ARCH", defaultValue = "x86_64", description = "The index entry's architecture (default ${DEFAULT-VALUE}).")
    String arch;

    @Option(names = "--provision", paramLabel = "USER-DATA",
            description = "First boot a copy-on-write overlay with this cloud-init user-data (it powers off when done), then seal offline.")
    Path provision;

    @Option(names = "--provision-script", paramLabel = "FILE", description = "A script to run in that boot (alone or with --provision).")
    Path provisionScript;

    @Option(names = "--boot-kernel", paramLabel = "FILE", description = "Provisioning: boot this kernel instead of the disk's boot loader.")
    Path bootKernel;

    @Option(names = "--boot-initrd", paramLabel = "FILE", description = "Provisioning: initramfs for --boot-kernel.")
    Path bootInitrd;

    @Option(names = "--boot-append", paramLabel = "ARGS", description = "Provisioning: kernel command line for --boot-kernel.")
    String bootAppend;

    @Option(names = "--boot-timeout", paramLabel = "DURATION", defaultValue = "15m", description = "Provisioning: time limit (default ${DEFAULT-VALUE}).")
    String bootTimeout;

    @Option(names = "--accel", paramLabel = "auto|kvm|tcg", defaultValue = "auto", description = "Provisioning: accelerator (default ${DEFAULT-VALUE}).")
    Accel accel;

    @Option(names = "--no-network", description = "Provisioning: no network device.")
    boolean noNetwork;

    @Option(names = {"-v", "--verbose"}, description = "List every change, also when not a dry run.")
    boolean verbose;

    @Option(names = {"-q", "--quiet"}, description = "No progress on stderr.")
    boolean quiet;

    @Option(names = {"-p", "--progress"}, negatable = true,
            description = "A progress bar for writing the output, on stderr (default: when run interactively).")
    Boolean progressBar;

    @Mixin
    JsonOption json;

    @Option(names = "--list-operations", description = "List the operations ('*' marks the defaults) and exit.")
    boolean listOperations;

    @Option(names = "--guest-dir", paramLabel = "DIR", description = "Seal the guest tree whose root is the host directory DIR.")
    Path guestDir;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Registry registry = Registry.standard();
        if (listOperations) {
            if (json.enabled()) {
                out.println(Json.write(describe(registry)));
            } else {
                out.print(registry.listOperations());
            }
            out.flush();
            return ExitCodes.OK;
        }
        if (guestDir != null) {
            if (image != null) {
                throw new IllegalArgumentException("give IMAGE or --guest-dir DIR, not both");
            }
            return sealDirectory(out);
        }
        if (image == null) {
            throw new IllegalArgumentException("give the IMAGE to seal (or --list-operations, --guest-dir DIR)");
        }
        if (!dryRun) {
            RawFileDevice.prepareHoleCalls(); // free space is dropped and raw files mapped by holes
        }
        Sealer.Builder b = Sealer.builder().input(image)
                .inputFormat(inputFormat == null ? null : DiskImage.Format.of(inputFormat))
                .dryRun(dryRun)
                .format(switch (format.toLowerCase(Locale.ROOT)) {
                    case "qcow2" -> Sealer.Format.QCOW2;
                    case "raw" -> Sealer.Format.RAW;
                    default -> throw new IllegalArgumentException("--format: qcow2 or raw, not '" + format + "'");
                })
                .compression(switch (compress.toLowerCase(Locale.ROOT)) {
                    case "none" -> null;
                    case "deflate", "zlib" -> Qcow2Options.Compression.DEFLATE;
                    case "zstd" -> Qcow2Options.Compression.ZSTD;
                    default -> throw new IllegalArgumentException("--compress: deflate, zstd or none, not '" + compress + "'");
                })
                .xz(xz).xzPreset(xzLevel)
                .selection(seal.selection()).options(seal.options())
                .labelRoot(labelRoot).newUuids(newUuids).keepFreeSpace(keepFreeSpace)
                .rootPartition(rootPartition == null ? -1 : rootPartition);
        if (target != null) {
            b.output(target.output).inPlace(target.inPlace);
        }
        List<HashAlgorithm> sums = new ArrayList<>();
        if (!noChecksums) {
            sums.add(HashAlgorithm.SHA256);
        }
        if (sha512) {
            sums.add(HashAlgorithm.SHA512);
        }
        b.checksums(sums.toArray(HashAlgorithm[]::new));
        if (signKey != null) {
            b.signer(PgpSigner.builder().secretKey(signKey).passphrase(passphrase.get()).build());
            List<Publisher.Style> styles = new ArrayList<>();
            for (String s : signatures.isEmpty() ? List.of("clearsign") : signatures) {
                styles.add(switch (s.toLowerCase(Locale.ROOT)) {
                    case "clearsign", "clearsigned" -> Publisher.Style.CLEARSIGNED;
                    case "detached", "detach" -> Publisher.Style.DETACHED_ARMORED;
                    case "binary", "sig" -> Publisher.Style.DETACHED_BINARY;
                    default -> throw new IllegalArgumentException("--signature: clearsign, detached or binary, not '" + s + "'");
                });
            }
            b.signatures(styles.toArray(Publisher.Style[]::new));
        } else if (!signatures.isEmpty()) {
            throw new IllegalArgumentException("--signature needs --sign-key");
        }
        if (indexEntry != null) {
            b.indexEntry(new Sealer.IndexEntry(indexEntry, osVersion, revision, arch, null));
        }
        if (provision != null || provisionScript != null) {
            byte[] userData = provision == null ? null : Files.readAllBytes(provision);
            byte[] script = provisionScript == null ? null : Files.readAllBytes(provisionScript);
            NoCloudSeed seed = NoCloudSeed.builder().userData(UserData.compose(userData, script, true)).build();
            java.time.Duration limit = BootCommand.parseDuration(bootTimeout);
            OutputStream console = quiet || json.enabled() ? OutputStream.nullOutputStream() : System.err;
            b.provision(rb -> {
                rb.seed(seed).timeout(limit).accel(accel).network(!noNetwork).console(console);
                if (bootKernel != null) {
                    rb.kernel(bootKernel, bootInitrd, bootAppend);
                }
                return rb;
            });
        } else if (bootKernel != null || bootInitrd != null || bootAppend != null) {
            throw new IllegalArgumentException("--boot-kernel, --boot-initrd and --boot-append go with --provision");
        }
        PrintStream err = System.err;
        if (!quiet) {
            b.progress(m -> err.println("imgtool seal: " + m));
        }
        boolean bar = !quiet && !dryRun && (progressBar != null ? progressBar : System.console() != null);
        ConvertCommand.Progress[] p = new ConvertCommand.Progress[1];
        if (bar) {
            long total = virtualSize();
            b.outputProgress(done -> {
                if (p[0] == null) {
                    p[0] = new ConvertCommand.Progress(total);
                }
                p[0].update(done);
            });
        }
        SealReport r;
        try {
            r = b.build().seal();
            if (p[0] != null) {
                p[0].done();
            }
        } catch (Sealer.ProvisionException e) {
            PrintWriter ew = spec.commandLine().getErr();
            ew.println(spec.commandLine().getColorScheme().errorText("imgtool seal: " + e.getMessage()));
            ew.flush();
            return e.result().outcome() == BootOutcome.TIMEOUT ? ExitCodes.GUEST_TIMEOUT : ExitCodes.GUEST_FAILED;
        }
        if (json.enabled()) {
            out.println(Json.write(r.toJson()));
        } else {
            out.print(r.toText(verbose));
        }
        out.flush();
        return ExitCodes.OK;
    }

    private long virtualSize() {
        try (io.imgtool.core.BlockDevice d = Disks.open(image, inputFormat, false)) {
            return d.size();
        } catch (java.io.IOException e) {
            return 1;
        }
    }

    private int sealDirectory(PrintWriter out) throws Exception {
        SysprepReport r = Sysprep.builder().root(guestDir).selection(seal.selection()).options(seal.options())
                .dryRun(dryRun).run();
        if (json.enabled()) {
            out.println(Json.write(r.toJson()));
        } else {
            out.println((dryRun ? "dry run: " : "") + r.os().prettyName() + " (" + r.os().family().label() + "), "
                    + r.operations().size() + " operations, " + r.changes().size() + " changes");
            for (Change c : r.changes()) {
                out.println("  " + c.kind().label() + " " + c.path() + (c.detail().isEmpty() ? "" : " (" + c.detail() + ")")
                        + " [" + c.operation() + "]");
            }
            for (String w : r.warnings()) {
                out.println("warning: " + w);
            }
            for (String n : r.notes()) {
                out.println(n);
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    private static List<Object> describe(Registry registry) {
        List<Object> ops = new ArrayList<>();
        for (Operation op : registry.all()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", op.name());
            m.put("default", op.enabledByDefault());
            m.put("heading", op.heading());
            m.put("description", op.description());
            m.put("aliases", op.aliases());
            Map<String, Object> paths = new LinkedHashMap<>();
            for (OsFamily f : OsFamily.values()) {
                paths.put(f.label(), op.paths(f));
            }
            m.put("paths", paths);
            ops.add(m);
        }
        return ops;
    }
}
