package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.gpt.GptTable;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code imgtool part move-backup IMAGE}: like {@code sgdisk -e}. */
@Command(name = "move-backup", mixinStandardHelpOptions = true,
        description = "After the image grew: move the backup GPT to the new end of the disk and make the space "
                + "usable (like sgdisk -e).")
public final class PartMoveBackupCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The disk image.")
    Path image;

    @Mixin
    SectorSizeOption sectorSize;

    @Mixin
    DryRunOption dryRun;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        try (BlockDevice disk = Disks.open(image, !dryRun.enabled())) {
            int ss = sectorSize.resolve(disk);
            GptTable t = PartSupport.gpt(disk, ss);
            GptTable after = t.withBackupAtEnd(disk.size() / ss);
            PartSupport.printChange(out, "backup header LBA", t.backupLba(), after.backupLba());
            PartSupport.printChange(out, "last usable LBA", t.lastUsableLba(), after.lastUsableLba());
            if (after.backupLba() == t.backupLba() && t.report().healthy()
                    && t.mbrToWrite(disk.size() / ss).equals(t.mbr())) {
                out.println("the backup is already at the end");
                return ExitCodes.OK;
            }
            PartSupport.commit(after, disk, dryRun.enabled(), out);
        }
        return ExitCodes.OK;
    }
}
