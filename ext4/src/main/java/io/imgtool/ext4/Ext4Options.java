package io.imgtool.ext4;

import java.time.Clock;
import java.util.Objects;
import java.util.Random;
import java.util.function.Supplier;

/**
 * How to open an ext2/3/4 filesystem. Defaults: read-only, checksums {@link ChecksumPolicy#STRICT},
 * journal {@link JournalPolicy#REPLAY}, 64 MiB metadata cache, system clock.
 *
 * <p>{@link Builder#writable(boolean) writable(true)} makes the volume and its {@code FileSystem}
 * writable. A filesystem that needs journal recovery is then replayed for real, on the device, before
 * anything else ({@link JournalPolicy#REPLAY}), or refused ({@link JournalPolicy#REFUSE};
 * {@link JournalPolicy#IGNORE} is refused for writing). Writing needs strict checksums.
 */
public final class Ext4Options {

    private final ChecksumPolicy checksums;
    private final JournalPolicy journal;
    private final long cacheBytes;
    private final boolean writable;
    private final boolean ignoreRecordedErrors;
    private final Clock clock;
    private final Supplier<Random> random;

    private Ext4Options(Builder b) {
        this.checksums = b.checksums;
        this.journal = b.journal;
        this.cacheBytes = b.cacheBytes;
        this.writable = b.writable;
        this.ignoreRecordedErrors = b.ignoreRecordedErrors;
        this.clock = b.clock;
        this.random = b.random;
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

    /** Whether the volume may be changed. */
    public boolean writable() {
        return writable;
    }

    /** Whether writing is allowed although the superblock records errors (the kernel found damage). */
    public boolean ignoreRecordedErrors() {
        return ignoreRecordedErrors;
    }

    /** The clock for timestamps the writer sets (inode times, commit times, write time). */
    public Clock clock() {
        return clock;
    }

    /** A new random source for inode generations and random UUIDs. */
    public Random random() {
        return random.get();
    }

    public static final class Builder {
        private ChecksumPolicy checksums = ChecksumPolicy.STRICT;
        private JournalPolicy journal = JournalPolicy.REPLAY;
        private long cacheBytes = 64L << 20;
        private boolean writable;
        private boolean ignoreRecordedErrors;
        private Clock clock = Clock.systemUTC();
        private Supplier<Random> random = java.security.SecureRandom::new;

        private Builder() {
        }

        public Builder checksums(ChecksumPolicy p) {
            this.checksums = Objects.requireNonNull(p);
            return this;
        }

        public Builder journal(JournalPolicy p) {
            this.journal = Objects.requireNonNull(p);
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

        /** Opens the volume for writing (the device must be writable). */
        public Builder writable(boolean w) {
            this.writable = w;
            return this;
        }

        /** Allows writing to a filesystem whose superblock records errors (default: refused). */
        public Builder ignoreRecordedErrors(boolean ignore) {
            this.ignoreRecordedErrors = ignore;
            return this;
        }

        /** The clock for the timestamps written (reproducible images: a fixed clock). */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c);
            return this;
        }

        /** A fixed seed for inode generations and random UUIDs (reproducible images). */
        public Builder randomSeed(long seed) {
            this.random = () -> new Random(seed);
            return this;
        }

        public Ext4Options build() {
            if (writable && checksums != ChecksumPolicy.STRICT) {
                throw new IllegalArgumentException("writing needs ChecksumPolicy.STRICT: a structure that fails its checksum "
                        + "must not be rewritten with a fresh one");
            }
            if (writable && journal == JournalPolicy.IGNORE) {
                throw new IllegalArgumentException("writing cannot ignore a journal that needs recovery: use REPLAY or REFUSE");
            }
            return new Ext4Options(this);
        }
    }
}
