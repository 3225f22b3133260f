package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.core.ResizableDevice;
import io.imgtool.core.Sizes;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgtool resize}: like {@code qemu-img resize}. */
@Command(name = "resize", mixinStandardHelpOptions = true,
        description = {"Grow (or shrink) a disk image's virtual size. A qcow2 image shrinks only when nothing "
                + "but zeroes lies past the new end; discard that range first."})
public final class ResizeCommand implements Callable<Integer> {

    @Option(names = {"-f", "--format"}, description = "Image format (qcow2, raw); probed when omitted.")
    String format;

    @Parameters(index = "0", paramLabel = "IMAGE")
    Path image;

    @Parameters(index = "1", paramLabel = "[+|-]SIZE", description = "New size, or a change with + or -.")
    String size;

    @Override
    public Integer call() throws Exception {
        try (BlockDevice dev = Disks.open(image, format, true)) {
            long target;
            if (size.startsWith("+")) {
                target = Math.addExact(dev.size(), Sizes.parse(size.substring(1)));
            } else if (size.startsWith("-")) {
                target = dev.size() - Sizes.parse(size.substring(1));
            } else {
                target = Sizes.parse(size);
            }
            if (target < 0) {
                throw ImageException.invalidArgument("new size would be negative");
            }
            ((ResizableDevice) dev).resize(target);
            dev.flush();
            System.out.println("Image resized.");
        }
        return ExitCodes.OK;
    }
}
