package io.imgtool.sysprep.seal;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.publish.HashAlgorithm;
import io.imgtool.publish.PgpSigner;
import io.imgtool.publish.Publisher;
import io.imgtool.qcow2.DiskImage;
import io.imgtool.qcow2.Qcow2Options;
import io.imgtool.qemu.BootResult;
import io.imgtool.qemu.BootRunner;
import io.imgtool.sysprep.Selection;
import io.imgtool.sysprep.SysprepOptions;
import io.imgtool.sysprep.inspect.Ext4GuestVolume;
import io.imgtool.sysprep.inspect.VolumeOpener;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.UnaryOperator;

/**
 * {@code imgtool seal} as a library call: from a used VM image to a clean, small, signed golden image.
 *
 * <pre>{@code
 * SealReport r = Sealer.builder()
 *         .input(Path.of("used.qcow2"))
 *         .output(Path.of("out/golden.qcow2"))          // the input is only read
 *         .compression(Qcow2Options.Compression.DEFLATE)
 *         .selection(Selection.defaults())
 *         .options(SysprepOptions.builder().machineId(MachineIdMode.UNINITIALIZED).build())
 *         .labelRoot("SLX_SYS")
 *         .checksums(HashAlgorithm.SHA256)
 *         .signer(PgpSigner.builder().secretKey(Path.of("signing-key.secret.asc")).build())
 *         .build().seal();
 * }</pre>
 *
 * <p>Stages (each timed in the report): optional provisioning (a boot of a copy-on-write overlay
 * through {@link BootRunner}); inspection (partitions, root, the guest's fstab view); the sealing
 * operations and customisation; the root label and new UUIDs; the space computation (free blocks of
 * every ext filesystem, unpartitioned space, swap); the output (qcow2 compressed or not, raw, or
 * raw.xz), written without the dropped space and without writing zeroes; checksums, signatures and
 * the virt-builder index entry.
 *
 * <p>With {@link Builder#output} the input is never opened for writing: the work happens in a qcow2
 * overlay backed by the input, in a private directory beside the output, deleted at the end; the
 * output appears complete (written under a temporary name and renamed) or not at all. With
 * {@link Builder#inPlace} the input is sealed where it is and its dropped space discarded (holes in
 * raw files, unallocated clusters in qcow2). A dry run writes nothing and reports every change.
 * Every check that can fail (outputs that exist, option combinations, the signing key) runs before
 * anything is written.
 */
public final class Sealer {

    /** The output container. */
    public enum Format { QCOW2, RAW }

    final Builder b;

    private Sealer(Builder b) {
        this.b = b;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Runs the pipeline. */
    public SealReport seal() throws IOException {
        return new SealPipeline(this).run();
    }

    /** Options; every setter returns this. */
    public static final class Builder {
        Path input;
        DiskImage.Format inputFormat;
        Path output;
        boolean inPlace;
        boolean dryRun;
        Format format = Format.QCOW2;
        Qcow2Options.Compression compression;
        boolean xz;
        int xzPreset = 6;
        Selection selection = Selection.defaults();
        SysprepOptions options = SysprepOptions.defaults();
        String labelRoot;
        boolean newUuids;
        boolean keepFreeSpace;
        List<HashAlgorithm> checksums = new ArrayList<>(List.of(HashAlgorithm.SHA256));
        PgpSigner signer;
        List<Publisher.Style> signatureStyles = new ArrayList<>(List.of(Publisher.Style.CLEARSIGNED));
        IndexEntry indexEntry;
        UnaryOperator<BootRunner.Builder> provision;
        Consumer<String> progress = s -> { };
        LongConsumer outputProgress;
        Random random = new java.security.SecureRandom();
        Clock clock = Clock.systemUTC();
        VolumeOpener opener = Ext4GuestVolume.OPENER;
        int rootPartition = -1;
        int threads = Runtime.getRuntime().availableProcessors();

        private Builder() {
        }

        /** The image to seal (qcow2 or raw; required). */
        public Builder input(Path p) {
            input = Objects.requireNonNull(p);
            return this;
        }

        /** The input's format; default: probed (qcow2 by magic, else raw). */
        public Builder inputFormat(DiskImage.Format f) {
            inputFormat = f;
            return this;
        }

        /** Writes the sealed image to {@code p} (must not exist); the input is only read. */
        public Builder output(Path p) {
            output = p;
            return this;
        }

        /** Seals the input where it is. */
        public Builder inPlace(boolean on) {
            inPlace = on;
            return this;
        }

        /** Reports what would change; writes nothing. */
        public Builder dryRun(boolean on) {
            dryRun = on;
            return this;
        }

        /** The output container (default qcow2). */
        public Builder format(Format f) {
            format = Objects.requireNonNull(f);
            return this;
        }

        /** qcow2 cluster compression (null: uncompressed). */
        public Builder compression(Qcow2Options.Compression c) {
            compression = c;
            return this;
        }

        /** Writes a raw image compressed as a multi-block .xz (16 MiB blocks, virt-builder's form). */
        public Builder xz(boolean on) {
            xz = on;
            return this;
        }

        /** xz preset 0-9 (default 6). */
        public Builder xzPreset(int preset) {
            xzPreset = preset;
            return this;
        }

        public Builder selection(Selection s) {
            selection = Objects.requireNonNull(s);
            return this;
        }

        public Builder options(SysprepOptions o) {
            options = Objects.requireNonNull(o);
            return this;
        }

        /** Names the root partition (GPT) or root filesystem (MBR, bare filesystem), as {@code label --root}. */
        public Builder labelRoot(String name) {
            labelRoot = name;
            return this;
        }

        /** New filesystem UUIDs, GPT partition GUIDs and disk GUID, with the guest's references updated. */
        public Builder newUuids(boolean on) {
            newUuids = on;
            return this;
        }

        /**
         * Keeps the filesystems' free space and the gaps between partitions in the output instead of
         * dropping them (default false): for targets where holes mean nothing. With it, removed
         * files' bytes stay in free space unless the operations scrub them ({@code --scrub-deleted}).
         */
        public Builder keepFreeSpace(boolean on) {
            keepFreeSpace = on;
            return this;
        }

        /** Sums files to write over the artifacts (default SHA-256); none to write none. */
        public Builder checksums(HashAlgorithm... algorithms) {
            checksums = new ArrayList<>(List.of(algorithms));
            return this;
        }

        /** Signs the sums files. */
        public Builder signer(PgpSigner s) {
            signer = s;
            return this;
        }

        /** Signature forms (default: clearsigned {@code SHA256SUMS.asc}). */
        public Builder signatures(Publisher.Style... styles) {
            signatureStyles = new ArrayList<>(List.of(styles));
            return this;
        }

        /** Writes a virt-builder index entry for the xz output. */
        public Builder indexEntry(IndexEntry e) {
            indexEntry = e;
            return this;
        }

        /**
         * Boots the work image first (cloud-init user-data, a script), then seals offline. The
         * function gets a builder whose disk and mode the pipeline sets afterwards; it adds the seed,
         * kernel, timeout, accelerator.
         */
        public Builder provision(UnaryOperator<BootRunner.Builder> configure) {
            provision = configure;
            return this;
        }

        /** Stage messages (the CLI prints them on stderr). */
        public Builder progress(Consumer<String> p) {
            progress = Objects.requireNonNull(p);
            return this;
        }

        /** Bytes of the output written so far (for a progress bar). */
        public Builder outputProgress(LongConsumer p) {
            outputProgress = p;
            return this;
        }

        /** The random source of new UUIDs (inject for reproducible output). */
        public Builder random(Random r) {
            random = Objects.requireNonNull(r);
            return this;
        }

        public Builder clock(Clock c) {
            clock = Objects.requireNonNull(c);
            return this;
        }

        /** How filesystems are opened (default: imgtool's ext4 engine). */
        public Builder opener(VolumeOpener o) {
            opener = Objects.requireNonNull(o);
            return this;
        }

        /** The root partition, when it cannot be found (0: the whole disk). */
        public Builder rootPartition(int n) {
            rootPartition = n;
            return this;
        }

        /** Threads for compression and hashing. */
        public Builder threads(int n) {
            threads = Math.max(1, n);
            return this;
        }

        /** Checks the combination of options. */
        public Sealer build() throws ImageException {
            if (input == null) {
                throw ImageException.invalidArgument("no input image");
            }
            int modes = (output != null ? 1 : 0) + (inPlace ? 1 : 0);
            if (!dryRun && modes != 1) {
                throw ImageException.invalidArgument("give either an output (-o OUT) or --in-place");
            }
            if (dryRun && inPlace) {
                inPlace = false;
            }
            if (xz && compression != null) {
                throw ImageException.invalidArgument("--xz writes a raw image; --compress applies to qcow2");
            }
            if (xz) {
                format = Format.RAW;
            }
            if (compression != null && format == Format.RAW) {
                throw ImageException.invalidArgument("--compress needs qcow2 output (raw images are compressed with --xz)");
            }
            if (inPlace && (xz || compression != null)) {
                throw ImageException.invalidArgument("--in-place keeps the image's format: --xz and --compress need -o OUT");
            }
            if (indexEntry != null && !xz) {
                throw ImageException.invalidArgument("a virt-builder index entry describes an xz image: add --xz");
            }
            if (signer != null && checksums.isEmpty()) {
                throw ImageException.invalidArgument("a signature signs the sums files: keep the checksums");
            }
            if (provision != null && inPlace) {
                throw new UnsupportedFeatureException("seal", "--provision with --in-place",
                        "provisioning boots a copy-on-write overlay; use -o OUT");
            }
            if (output != null && output.toAbsolutePath().normalize().equals(input.toAbsolutePath().normalize())) {
                throw ImageException.invalidArgument("the output is the input; use --in-place to seal it where it is");
            }
            return new Sealer(this);
        }
    }

    /**
     * The virt-builder index entry to write for the xz output.
     *
     * @param file where to write the entry (must not exist)
     * @param osVersion the entry's name ("debian-12"); null: from the guest's os-release (ID-VERSION_ID)
     * @param revision the revision number
     * @param arch the architecture (default x86_64)
     * @param name a display name; null: the guest's PRETTY_NAME
     */
    public record IndexEntry(Path file, String osVersion, int revision, String arch, String name) {
        public IndexEntry {
            Objects.requireNonNull(file);
            if (revision < 1) {
                throw new IllegalArgumentException("revision must be at least 1");
            }
            arch = arch == null ? "x86_64" : arch;
        }
    }

    /** Thrown when provisioning (the boot before sealing) fails; the input is untouched. */
    public static final class ProvisionException extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient BootResult result;

        public ProvisionException(BootResult result) {
            super("provisioning failed: " + result.message());
            this.result = result;
        }

        public BootResult result() {
            return result;
        }
    }
}
