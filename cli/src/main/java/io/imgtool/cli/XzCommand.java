package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.Json;
import io.imgtool.core.Sizes;
import io.imgtool.publish.XzCompressor;
import io.imgtool.publish.XzResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgtool xz}: a disk as a multi-block .xz, compressed in parallel. */
@Command(name = "xz", mixinStandardHelpOptions = true,
        description = {"Compress a disk image into a multi-block .xz, in parallel.",
                "",
                "One xz stream of independent blocks (16 MiB by default) with an index, as virt-builder and "
                        + "nbdkit's xz filter want (xz --list shows the blocks). Holes and zero runs cost almost "
                        + "nothing. OUT is written under a temporary name and renamed when complete; an existing "
                        + "OUT is never overwritten."})
public final class XzCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk image (the guest-visible bytes are compressed).")
    Path image;

    @Parameters(index = "1", paramLabel = "OUT.xz")
    Path out;

    @Option(names = "--block-size", paramLabel = "SIZE", defaultValue = "16M",
            description = "Uncompressed bytes per xz block (default: ${DEFAULT-VALUE}).")
    String blockSize;

    @Option(names = {"-l", "--level"}, paramLabel = "0-9", defaultValue = "6",
            description = "xz preset, as xz -0 ... -9 (default: ${DEFAULT-VALUE}).")
    int level;

    @Option(names = "--threads", paramLabel = "N", description = "Blocks compressed at once (default: processors).")
    Integer threads;

    @Option(names = "--progress", description = "Report progress on standard error.")
    boolean progress;

    @Mixin
    JsonOption json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        XzCompressor.Builder b = XzCompressor.builder().blockSize(Sizes.parse(blockSize)).preset(level);
        if (threads != null) {
            b.threads(threads);
        }
        XzResult r;
        try (BlockDevice dev = Disks.open(image, false)) {
            if (progress) {
                PrintWriter err = spec.commandLine().getErr();
                long total = Math.max(1, dev.size());
                long[] last = {-1};
                b.progress(done -> {
                    long pct = done * 100 / total;
                    if (pct != last[0]) {
                        last[0] = pct;
                        err.print("\rxz: " + pct + "% (" + Sizes.human(done) + ")");
                        err.flush();
                    }
                });
            }
            r = b.build().compress(dev, out);
            if (progress) {
                spec.commandLine().getErr().println();
            }
        }
        PrintWriter o = spec.commandLine().getOut();
        if (json.enabled()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("output", out.toString());
            m.put("uncompressedSize", r.uncompressedSize());
            m.put("compressedSize", r.compressedSize());
            m.put("blocks", r.blocks());
            m.put("zeroBlocks", r.zeroBlocks());
            m.put("blockSize", r.blockSize());
            o.println(Json.write(m));
        } else {
            o.printf("%s: %s -> %s (%.1f%%), %d blocks of %s, %d all-zero%n", out, Sizes.human(r.uncompressedSize()),
                    Sizes.human(r.compressedSize()),
                    r.uncompressedSize() == 0 ? 0.0 : 100.0 * r.compressedSize() / r.uncompressedSize(),
                    r.blocks(), Sizes.human(r.blockSize()), r.zeroBlocks());
        }
        o.flush();
        return ExitCodes.OK;
    }
}
