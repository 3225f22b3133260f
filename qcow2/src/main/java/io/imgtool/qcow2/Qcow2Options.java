package io.imgtool.qcow2;

import io.imgtool.core.ImageException;

/**
 * How to create a qcow2 image: {@code Qcow2Options.builder().size(4L << 30).clusterSize(65536).build()}.
 * Defaults follow {@code qemu-img create -f qcow2}: version 3 (compat 1.1), 64 KiB clusters, 16-bit
 * refcounts, deflate ("zlib") compression type, no backing file.
 */
public final class Qcow2Options {

    /** Compression of compressed clusters. */
    public enum Compression {
        DEFLATE, ZSTD
    }

    private final long size;
    private final int clusterSize;
    private final int version;
    private final String backingFile;
    private final String backingFormat;
    private final boolean extendedL2;
    private final Compression compression;
    private final int refcountBits;
    private final boolean lazyRefcounts;

    private Qcow2Options(Builder b) {
        this.size = b.size;
        this.clusterSize = b.clusterSize;
        this.version = b.version;
        this.backingFile = b.backingFile;
        this.backingFormat = b.backingFormat;
        this.extendedL2 = b.extendedL2;
        this.compression = b.compression;
        this.refcountBits = b.refcountBits;
        this.lazyRefcounts = b.lazyRefcounts;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Virtual size in bytes; -1 means "the backing file's size". */
    public long size() {
        return size;
    }

    public int clusterSize() {
        return clusterSize;
    }

    /** 2 (compat 0.10) or 3 (compat 1.1). */
    public int version() {
        return version;
    }

    /** The backing file name as stored in the header (relative names resolve against the image's folder). */
    public String backingFile() {
        return backingFile;
    }

    public String backingFormat() {
        return backingFormat;
    }

    public boolean extendedL2() {
        return extendedL2;
    }

    public Compression compression() {
        return compression;
    }

    public int refcountBits() {
        return refcountBits;
    }

    public boolean lazyRefcounts() {
        return lazyRefcounts;
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.size = size;
        b.clusterSize = clusterSize;
        b.version = version;
        b.backingFile = backingFile;
        b.backingFormat = backingFormat;
        b.extendedL2 = extendedL2;
        b.compression = compression;
        b.refcountBits = refcountBits;
        b.lazyRefcounts = lazyRefcounts;
        return b;
    }

    public static final class Builder {
        private long size = -1;
        private int clusterSize = 65536;
        private int version = 3;
        private String backingFile;
        private String backingFormat;
        private boolean extendedL2;
        private Compression compression = Compression.DEFLATE;
        private int refcountBits = 16;
        private boolean lazyRefcounts;

        private Builder() {
        }

        public Builder size(long size) {
            this.size = size;
            return this;
        }

        public Builder clusterSize(int clusterSize) {
            this.clusterSize = clusterSize;
            return this;
        }

        /** "0.10" (version 2) or "1.1" (version 3), as qemu-img's compat option. */
        public Builder compat(String compat) {
            switch (compat) {
                case "0.10", "v2", "2" -> version = 2;
                case "1.1", "v3", "3" -> version = 3;
                default -> throw new IllegalArgumentException("compat must be 0.10 or 1.1, not '" + compat + "'");
            }
            return this;
        }

        public Builder version(int version) {
            this.version = version;
            return this;
        }

        public Builder backingFile(String name, String format) {
            this.backingFile = name;
            this.backingFormat = format;
            return this;
        }

        public Builder extendedL2(boolean on) {
            this.extendedL2 = on;
            return this;
        }

        public Builder compression(Compression c) {
            this.compression = c;
            return this;
        }

        public Builder refcountBits(int bits) {
            this.refcountBits = bits;
            return this;
        }

        public Builder lazyRefcounts(boolean on) {
            this.lazyRefcounts = on;
            return this;
        }

        /** Validates the combination; throws {@link ImageException} with kind INVALID_ARGUMENT. */
        public Qcow2Options build() throws ImageException {
            if (Integer.bitCount(clusterSize) != 1 || clusterSize < 512 || clusterSize > (2 << 20)) {
                throw ImageException.invalidArgument("cluster size must be a power of two from 512 B to 2 MiB, not "
                        + clusterSize);
            }
            if (version != 2 && version != 3) {
                throw ImageException.invalidArgument("qcow2 version must be 2 or 3");
            }
            if (Integer.bitCount(refcountBits) != 1 || refcountBits > 64) {
                throw ImageException.invalidArgument("refcount bits must be 1, 2, 4, 8, 16, 32 or 64, not " + refcountBits);
            }
            if (version == 2 && (refcountBits != 16 || extendedL2 || lazyRefcounts || compression != Compression.DEFLATE)) {
                throw ImageException.invalidArgument(
                        "compat 0.10 allows only 16-bit refcounts, deflate, no extended L2 and no lazy refcounts");
            }
            if (extendedL2 && clusterSize < 16384) {
                throw ImageException.invalidArgument("extended L2 entries need clusters of at least 16 KiB");
            }
            if (size < 0 && backingFile == null) {
                throw ImageException.invalidArgument("a size is needed when there is no backing file");
            }
            if (backingFormat != null && !backingFormat.equals("qcow2") && !backingFormat.equals("raw")) {
                throw ImageException.invalidArgument("backing format must be qcow2 or raw, not " + backingFormat);
            }
            return new Qcow2Options(this);
        }
    }
}
