package io.imgtool.gpt;

import java.util.UUID;

/**
 * What to add to a GPT: every field optional except what the caller cares about. Build with
 * {@link #builder()}. Unset positions are chosen like sgdisk does: the start aligned to 1 MiB in
 * the first free region large enough (or the largest free region when no size is given), the end
 * at the end of that region.
 *
 * @param number entry number to use, 0 for the first unused entry
 * @param firstLba first sector, -1 to choose
 * @param lastLba last sector (inclusive), -1 to derive from {@code sectors} or fill the free region
 * @param sectors size in sectors, -1 when {@code lastLba} or the free region decides
 * @param type partition type
 * @param name partition name (at most 36 UTF-16 code units)
 * @param partitionGuid unique GUID, null for a random one from the table operation's random source
 * @param attributes attribute bits
 */
public record NewPartition(int number, long firstLba, long lastLba, long sectors, PartitionType type, String name,
                           UUID partitionGuid, long attributes) {

    public NewPartition {
        if (number < 0) {
            throw new IllegalArgumentException("partition number must be positive (or 0 for the first free one)");
        }
        if (lastLba >= 0 && sectors >= 0) {
            throw new IllegalArgumentException("give the end or the size of a new partition, not both");
        }
        if (sectors == 0 || (firstLba >= 0 && lastLba >= 0 && lastLba < firstLba)) {
            throw new IllegalArgumentException("a partition needs at least one sector");
        }
        if (type == null || name == null) {
            throw new IllegalArgumentException("type and name must not be null");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder with defaults: first free number, automatic placement, Linux filesystem type, empty name. */
    public static final class Builder {
        private int number;
        private long firstLba = -1;
        private long lastLba = -1;
        private long sectors = -1;
        private PartitionType type = PartitionType.LINUX;
        private String name = "";
        private UUID partitionGuid;
        private long attributes;

        public Builder number(int n) {
            this.number = n;
            return this;
        }

        public Builder firstLba(long lba) {
            this.firstLba = lba;
            return this;
        }

        public Builder lastLba(long lba) {
            this.lastLba = lba;
            return this;
        }

        public Builder sectors(long n) {
            this.sectors = n;
            return this;
        }

        public Builder type(PartitionType t) {
            this.type = t;
            return this;
        }

        public Builder name(String n) {
            this.name = n;
            return this;
        }

        public Builder partitionGuid(UUID g) {
            this.partitionGuid = g;
            return this;
        }

        public Builder attributes(long a) {
            this.attributes = a;
            return this;
        }

        public NewPartition build() {
            return new NewPartition(number, firstLba, lastLba, sectors, type, name, partitionGuid, attributes);
        }
    }
}
