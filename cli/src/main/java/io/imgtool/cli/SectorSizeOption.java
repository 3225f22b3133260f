package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.gpt.PartitionTable;
import java.io.IOException;
import picocli.CommandLine.Option;

/** The shared {@code --sector-size} option of partition commands: 512, 4096, or detected. */
public final class SectorSizeOption {

    @Option(names = "--sector-size", paramLabel = "512|4096",
            description = "Logical sector size of the disk. Default: detected from the GPT (512 when there is none).")
    Integer sectorSize;

    /** The size to use for {@code disk}: the option's value, else what the GPT tells, else 512. */
    public int resolve(BlockDevice disk) throws IOException {
        if (sectorSize != null) {
            if (sectorSize != 512 && sectorSize != 4096) {
                throw new IllegalArgumentException("--sector-size must be 512 or 4096, not " + sectorSize);
            }
            return sectorSize;
        }
        return PartitionTable.detectSectorSize(disk).orElse(512);
    }
}
