package io.imgtool.cli;

import io.imgtool.core.ImageException;
import io.imgtool.core.RawFileDevice;
import io.imgtool.core.Sizes;
import io.imgtool.qcow2.Qcow2Image;
import io.imgtool.qcow2.Qcow2Options;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgtool create}: like {@code qemu-img create}. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = "Create a new, empty disk image (like qemu-img create). Never overwrites a file.")
public final class CreateCommand implements Callable<Integer> {

    @Option(names = {"-f", "--format"}, defaultValue = "qcow2", description = "qcow2 (default) or raw.")
    String format;

    @Option(names = "-o", paramLabel = "OPTIONS", description = Qcow2OptionParser.HELP)
    List<String> options;

    @Option(names = {"-b", "--backing"}, paramLabel = "FILE",
            description = "Backing file (a relative name is relative to the new image's folder).")
    String backing;

    @Option(names = {"-F", "--backing-format"}, paramLabel = "FMT", description = "Format of the backing file: qcow2 or raw.")
    String backingFormat;

    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Parameters(index = "1", paramLabel = "SIZE", arity = "0..1",
            description = "Virtual size (e.g. 10G, 512M); with -b it defaults to the backing file's.")
    String size;

    @Override
    public Integer call() throws Exception {
        long bytes = size == null ? -1 : Sizes.parse(size);
        if ("raw".equals(format)) {
            if (bytes < 0 || backing != null || options != null) {
                throw ImageException.invalidArgument("raw images take a size and no -o or -b options");
            }
            RawFileDevice.create(file, bytes).close();
            return ExitCodes.OK;
        }
        if (!"qcow2".equals(format)) {
            throw ImageException.invalidArgument("create makes qcow2 or raw images, not " + format);
        }
        Qcow2Options.Builder b = Qcow2OptionParser.parse(options).size(bytes);
        if (backing != null) {
            b.backingFile(backing, backingFormat);
        }
        try (Qcow2Image img = Qcow2Image.create(file, b.build())) {
            System.err.println("Formatting '" + file + "', fmt=qcow2 size=" + img.size()
                    + " cluster_size=" + img.clusterSize());
        }
        return ExitCodes.OK;
    }
}
