package io.imgtool.cli;

import io.imgtool.core.Json;
import io.imgtool.core.RawFileDevice;
import io.imgtool.core.Sizes;
import io.imgtool.ext4.Ext4Volume;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code imgtool zero-free IMAGE}: make the free blocks of the filesystem read as zeroes. */
@Command(name = "zero-free", mixinStandardHelpOptions = true,
        description = {"Make every free block of the ext2/3/4 filesystem in IMAGE read as zeroes, like zerofree, "
            + "so the image compresses and sparsifies well. Nothing is written where a block reads as zero already; "
            + "qcow2 gets zero clusters; a raw file's blocks are marked unwritten on Java 22+ (fallocate ZERO_RANGE: "
            + "the storage stays allocated, as with zerofree) and get zero bytes on Java 17.",
            "--discard releases the storage instead where the image format can (holes, unallocated clusters)."})
public final class ZeroFreeCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk or filesystem image (changed in place).")
    Path image;

    @Option(names = "--discard", description = "Discard free blocks (unallocated clusters, holes) instead of zeroing.")
    boolean discard;

    @Mixin
    FsImageArgs fsArgs;

    @Mixin
    JsonOption json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        RawFileDevice.prepareHoleCalls(); // binds hole punching while the filesystem opens
        long bytes;
        try (Ext4Volume vol = fsArgs.openWritable(image)) {
            bytes = vol.zeroFree(discard);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json.enabled()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("freeBytes", bytes);
            m.put("discard", discard);
            out.println(Json.write(m));
        } else {
            out.println((discard ? "discarded " : "zeroed ") + Sizes.human(bytes) + " of free space");
        }
        return ExitCodes.OK;
    }
}
