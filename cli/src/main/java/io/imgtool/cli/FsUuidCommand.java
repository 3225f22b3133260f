package io.imgtool.cli;

import io.imgtool.core.ImageException;
import io.imgtool.ext4.Ext4Volume;
import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code imgtool fs-uuid IMAGE [UUID|random]}: show or set the filesystem UUID. */
@Command(name = "fs-uuid", mixinStandardHelpOptions = true,
        description = {"Print the UUID of the ext2/3/4 filesystem in IMAGE, or set it as tune2fs -U does (\"random\": a",
            "new random UUID). With metadata_csum and no metadata_csum_seed feature every checksum is rewritten",
            "with the new seed, as tune2fs does (not interruptible safely); --keep-seed turns on metadata_csum_seed",
            "instead, one journaled change (kernels 4.4 and later)."})
public final class FsUuidCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk or filesystem image.")
    Path image;

    @Parameters(index = "1", arity = "0..1", paramLabel = "UUID|random", description = "The new UUID.")
    String uuid;

    @Option(names = "--keep-seed", description = "Keep the checksum seed (metadata_csum_seed) instead of rewriting checksums.")
    boolean keepSeed;

    @Mixin
    FsImageArgs fsArgs;

    @Mixin
    JsonOption json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        UUID before;
        UUID after;
        if (uuid == null) {
            try (Ext4Volume vol = fsArgs.open(image)) {
                before = vol.uuid();
                after = before;
            }
        } else {
            UUID want;
            if (uuid.equalsIgnoreCase("random")) {
                want = UUID.randomUUID();
            } else {
                try {
                    want = UUID.fromString(uuid);
                } catch (IllegalArgumentException e) {
                    throw ImageException.invalidArgument("'" + uuid + "' is not a UUID (or \"random\")");
                }
            }
            try (Ext4Volume vol = fsArgs.openWritable(image)) {
                before = vol.uuid();
                if (!before.equals(want)) {
                    vol.setUuid(want, keepSeed);
                }
                after = vol.uuid();
            }
        }
        PartSupport.printProperty(spec.commandLine().getOut(), json.enabled(), uuid != null, "uuid", "filesystem UUID",
                false, before.toString(), after.toString());
        return ExitCodes.OK;
    }
}
