package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.qcow2.DiskImage;
import io.imgtool.qcow2.ImageConverter;
import io.imgtool.qcow2.Qcow2Options;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgtool convert}: like {@code qemu-img convert}. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Copy a disk image into a new raw or qcow2 file (like qemu-img convert), flattening any "
                + "backing chain. Sparse: zero ranges are neither read nor written. With -c, clusters are "
                + "compressed on all cores and written in order. The output is written under a temporary name "
                + "(.OUTPUT.imgtool-new) and renamed when complete."})
public final class ConvertCommand implements Callable<Integer> {

    @Option(names = {"-f", "--format"}, description = "Source format (qcow2, raw); probed when omitted.")
    String sourceFormat;

    @Option(names = {"-O", "--output-format"}, defaultValue = "qcow2", description = "Output format: qcow2 (default) or raw.")
    String outputFormat;

    @Option(names = {"-c", "--compress"}, description = "Compress the qcow2 output's clusters.")
    boolean compress;

    @Option(names = "--compression", paramLabel = "deflate|zstd",
            description = "Compression type of the qcow2 output (default deflate, qemu's 'zlib').")
    String compression;

    @Option(names = "--level", paramLabel = "1-9",
            description = "Deflate compression level (default ${DEFAULT-VALUE}: about QEMU's output size, much faster).",
            defaultValue = "4")
    int level;

    @Option(names = "-o", paramLabel = "OPTIONS", description = Qcow2OptionParser.HELP)
    List<String> options;

    @Option(names = {"-p", "--progress"}, negatable = true,
            description = "Progress bar on stderr (default: when run interactively).")
    Boolean progress;

    @Option(names = "--sync", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = {"Force the output to disk before it gets its name (default). With --no-sync it reaches "
                    + "the disk when the kernel writes it back, as with qemu-img convert's default: faster, and a "
                    + "killed run still never leaves a partial output, but a power loss soon after may."})
    boolean sync;

    @Option(names = "--threads", paramLabel = "N", description = "Compression threads (default: all cores).")
    Integer threads;

    @Parameters(index = "0", paramLabel = "SOURCE")
    Path source;

    @Parameters(index = "1", paramLabel = "OUTPUT")
    Path output;

    @Override
    public Integer call() throws Exception {
        DiskImage.Format out = DiskImage.Format.of(outputFormat);
        Qcow2Options.Builder b = Qcow2OptionParser.parse(options);
        if (compression != null) {
            b.compression(Qcow2OptionParser.compression(compression));
        }
        if (compress && out != DiskImage.Format.QCOW2) {
            throw ImageException.invalidArgument("-c needs -O qcow2");
        }
        try (BlockDevice src = Disks.open(source, sourceFormat, false)) {
            ImageConverter.Options o = out == DiskImage.Format.RAW ? ImageConverter.Options.raw()
                    : ImageConverter.Options.qcow2(b.size(src.size()).build(), compress);
            if (level < 1 || level > 9) {
                throw ImageException.invalidArgument("--level must be 1 to 9");
            }
            o = o.withDeflateLevel(level);
            o = o.withSync(sync);
            if (threads != null) {
                o = o.withThreads(threads);
            }
            boolean bar = progress != null ? progress : System.console() != null;
            Progress p = bar ? new Progress(src.size()) : null;
            if (p != null) {
                o = o.withProgress(p::update);
            }
            ImageConverter.convert(src, output, o);
            if (p != null) {
                p.done();
            }
        }
        return ExitCodes.OK;
    }

    /** A one-line progress bar on stderr, redrawn at most every 100 ms. */
    static final class Progress {
        private final long total;
        private long lastDraw;

        Progress(long total) {
            this.total = Math.max(1, total);
        }

        void update(long done) {
            long now = System.nanoTime();
            if (now - lastDraw < 100_000_000L && done < total) {
                return;
            }
            lastDraw = now;
            int pct = (int) (100 * done / total);
            int width = 40;
            int fill = pct * width / 100;
            System.err.print("\r    (" + String.format("%3d", pct) + "/100%) [" + "#".repeat(fill)
                    + " ".repeat(width - fill) + "]");
            System.err.flush();
        }

        void done() {
            update(total);
            System.err.println();
        }
    }
}
