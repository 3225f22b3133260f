package io.imgtool.cli;

import io.imgtool.ext4.Ext4Volume;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code imgtool fs-label IMAGE [LABEL]}: show or set the ext4 volume label. */
@Command(name = "fs-label", mixinStandardHelpOptions = true,
        description = {"Print the volume label of the ext2/3/4 filesystem in IMAGE, or set it to LABEL (at most 16",
            "bytes of UTF-8; \"\" clears it) in the superblock and every backup, as tune2fs -L does."})
public final class FsLabelCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk or filesystem image.")
    Path image;

    @Parameters(index = "1", arity = "0..1", paramLabel = "LABEL", description = "The new label.")
    String label;

    @Mixin
    FsImageArgs fsArgs;

    @Mixin
    JsonOption json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        String before;
        String after;
        if (label == null) {
            try (Ext4Volume vol = fsArgs.open(image)) {
                before = vol.label();
                after = before;
            }
        } else {
            Ext4Volume.checkLabel(label);
            try (Ext4Volume vol = fsArgs.openWritable(image)) {
                before = vol.label();
                if (!before.equals(label)) {
                    vol.setLabel(label);
                }
                after = vol.label();
            }
        }
        PartSupport.printProperty(spec.commandLine().getOut(), json.enabled(), label != null, "label",
                "filesystem label", true, before, after);
        return ExitCodes.OK;
    }
}
