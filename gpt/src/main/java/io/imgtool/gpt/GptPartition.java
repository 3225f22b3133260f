package io.imgtool.gpt;

import java.util.List;
import java.util.UUID;

/**
 * A used GPT entry, seen as a partition.
 *
 * @param number entry index + 1
 * @param type the type (known or not)
 * @param partitionGuid the unique partition GUID (PARTUUID)
 * @param name the partition name (PARTLABEL), possibly empty
 * @param attributes the 64 attribute bits; see {@link GptAttributes}
 */
public record GptPartition(int number, long firstLba, long lastLba, int sectorSize, PartitionType type,
                           UUID partitionGuid, String name, long attributes) implements Partition {

    @Override
    public String typeDescription() {
        return type.name();
    }

    /** Names of the set attribute bits. */
    public List<String> attributeNames() {
        return GptAttributes.names(attributes);
    }
}
