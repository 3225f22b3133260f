package io.imgtool.ext4;

/**
 * How to open an ext2/3/4 filesystem. Defaults: checksums {@link ChecksumPolicy#STRICT}, journal
 * {@link JournalPolicy#REPLAY}, 64 MiB metadata cache.
 */
public final class Ext4Options {

    private final ChecksumPolicy checksums;
    private final JournalPolicy journal;
    private final long cacheBytes;

    private Ext4Options(Builder b) {
        this.checksums = b.checksums;
        this.journal = b.journal;
        this.cacheBytes = b.cacheBytes;
    }

    public static Ext4Options defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public ChecksumPolicy checksums() {
        return checksums;
    }

    public JournalPolicy journal() {
        return journal;
    }

    public long cacheBytes() {
        return cacheBytes;
    }

    public static final class Builder {
        private ChecksumPolicy checksums = ChecksumPolicy.STRICT;
        private JournalPolicy journal = JournalPolicy.REPLAY;
        private long cacheBytes = 64L << 20;

        private Builder() {
        }

        public Builder checksums(ChecksumPolicy p) {
            this.checksums = java.util.Objects.requireNonNull(p);
            return this;
        }

        public Builder journal(JournalPolicy p) {
            this.journal = java.util.Objects.requireNonNull(p);
            return this;
        }

        /** Bytes of metadata blocks kept in memory (inode tables, directories, index nodes). */
        public Builder cacheBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("negative cache size");
            }
            this.cacheBytes = bytes;
            return this;
        }

        public Ext4Options build() {
            return new Ext4Options(this);
        }
    }
}
