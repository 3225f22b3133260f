package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.core.RawFileDevice;
import io.imgtool.core.Sizes;
import io.imgtool.qcow2.Qcow2Image;
import io.imgtool.qcow2.Qcow2Options;
import io.imgtool.sysprep.sample.SampleGuestImage;
import io.imgtool.sysprep.sample.UsedGuestTree;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code imgtool sample}: writes a deterministic sample disk (the same bytes on every run) with a
 * realistic mix: text-like data, random (incompressible) data, written zero runs and holes.
 */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = {"Write a deterministic sample disk image to try imgtool on: text-like and random data, "
                + "zero runs and holes. Same seed, same bytes.",
                "With --guest: a used guest disk instead (GPT: BIOS boot and a root ext4 holding a used Debian 12 "
                        + "or RHEL 9 guest with logs, history, leases, SSH host keys, cloud-init state and link "
                        + "traps), made with imgtool's own GPT and mkfs; the input for trying `imgtool seal`."})
public final class SampleCommand implements Callable<Integer> {

    @Option(names = {"-O", "--output-format"}, defaultValue = "qcow2", description = "qcow2 (default) or raw.")
    String format;

    @Option(names = "--size", description = "Virtual size (default 512M; 1G with --guest).")
    String size;

    @Option(names = "--guest", description = "Write a used guest disk (see above).")
    boolean guest;

    @Option(names = "--flavour", defaultValue = "debian",
            description = "With --guest: debian (Debian 12, default) or rhel (RHEL 9).")
    String flavour;

    @Option(names = "--no-cloud-init", description = "With --guest: a guest without cloud-init.")
    boolean noCloudInit;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the content (default 1).")
    long seed;

    @Option(names = "--fill", defaultValue = "0.4",
            description = "Fraction of the disk (from the start) that holds content; the rest is a hole (default 0.4).")
    double fill;

    @Parameters(paramLabel = "OUT", description = "The file to create (must not exist).")
    Path out;

    private static final String[] WORDS = ("the of and to in is that for it as was with be by on not he this are "
            + "or his from at which but have an they you were her she there been one all we their has would "
            + "kernel systemd boot config root user home var log etc usr lib network interface disk partition "
            + "cluster image qcow2 ext4 gpt mount service package install update error warning info debug").split(" ");

    @Override
    public Integer call() throws Exception {
        if (!"qcow2".equals(format) && !"raw".equals(format)) {
            throw ImageException.invalidArgument("--output-format must be qcow2 or raw, not '" + format + "'");
        }
        if (guest) {
            return guest();
        }
        long bytes = Sizes.parse(size == null ? "512M" : size);
        if (bytes < (16 << 20)) {
            throw ImageException.invalidArgument("sample size must be at least 16M");
        }
        try (BlockDevice dev = "raw".equals(format) ? RawFileDevice.create(out, bytes)
                : Qcow2Image.create(out, Qcow2Options.builder().size(bytes).build())) {
            write(dev, seed, fill);
            dev.flush();
        }
        System.err.println("wrote sample image " + out + " (" + Sizes.human(bytes) + " virtual)");
        return ExitCodes.OK;
    }

    private int guest() throws java.io.IOException {
        UsedGuestTree tree = switch (flavour) {
            case "debian" -> UsedGuestTree.debian();
            case "rhel" -> UsedGuestTree.rhel();
            default -> throw ImageException.invalidArgument("--flavour must be debian or rhel, not '" + flavour + "'");
        };
        long bytes = Sizes.parse(size == null ? "1G" : size);
        SampleGuestImage.of(tree.cloudInit(!noCloudInit)).size(bytes).qcow2(!"raw".equals(format)).write(out);
        System.err.println("wrote sample " + flavour + " guest " + out + " (" + Sizes.human(bytes) + " virtual)");
        return ExitCodes.OK;
    }

    /** Fills {@code dev}: 1 MiB chunks over the first {@code fill} of it and the last 2 MiB; the rest stays a hole. */
    static void write(BlockDevice dev, long seed, double fill) throws java.io.IOException {
        SplittableRandom r = new SplittableRandom(seed);
        int chunk = 1 << 20;
        long chunks = dev.size() / chunk;
        byte[] buf = new byte[chunk];
        for (long c = 0; c < chunks; c++) {
            if (c >= (long) (chunks * fill) && c < chunks - 2) {
                continue;
            }
            int kind = r.nextInt(100);
            long off = c * chunk;
            if (kind < 30) {
                continue; // hole
            } else if (kind < 40) {
                dev.writeZeroes(off, chunk);
            } else if (kind < 72) {
                text(r, buf);
                dev.write(ByteBuffer.wrap(buf), off);
            } else if (kind < 90) {
                for (int i = 0; i < chunk; i += 8) {
                    long v = r.nextLong();
                    for (int k = 0; k < 8; k++) {
                        buf[i + k] = (byte) (v >>> (8 * k));
                    }
                }
                dev.write(ByteBuffer.wrap(buf), off);
            } else {
                // Mostly zero with sparse structures, like a fresh filesystem's metadata area.
                java.util.Arrays.fill(buf, (byte) 0);
                for (int i = 0; i < chunk; i += 4096) {
                    if (r.nextInt(4) == 0) {
                        for (int k = 0; k < 64; k++) {
                            buf[i + k] = (byte) r.nextInt(256);
                        }
                    }
                }
                dev.write(ByteBuffer.wrap(buf), off);
            }
        }
    }

    private static void text(SplittableRandom r, byte[] buf) {
        int i = 0;
        while (i < buf.length) {
            byte[] w = WORDS[r.nextInt(WORDS.length)].getBytes(StandardCharsets.US_ASCII);
            for (int k = 0; k < w.length && i < buf.length; k++) {
                buf[i++] = w[k];
            }
            if (i < buf.length) {
                buf[i++] = (byte) (r.nextInt(12) == 0 ? '\n' : ' ');
            }
        }
    }
}
