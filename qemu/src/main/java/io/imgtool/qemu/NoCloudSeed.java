package io.imgtool.qemu;

import io.imgtool.qemu.iso.IsoImageWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Random;
import java.util.regex.Pattern;

/**
 * A cloud-init NoCloud seed: an ISO 9660 volume labelled {@code cidata} holding {@code user-data},
 * {@code meta-data} and, when given, {@code network-config} and {@code vendor-data} (cloud-init's
 * NoCloud datasource finds it by the label; see docs/qemu.md for why ISO 9660 rather than vfat).
 *
 * <p>Reproducible: with a fixed {@link Builder#timestamp} and {@link Builder#instanceId} (or a seeded
 * {@link Builder#random}) the bytes are the same on every run.
 */
public final class NoCloudSeed {

    /** The volume label cloud-init's NoCloud datasource looks for. */
    public static final String LABEL = "cidata";

    private static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern HOSTNAME = Pattern.compile(
            "(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    private final byte[] userData;
    private final byte[] metaData;
    private final byte[] networkConfig;
    private final byte[] vendorData;
    private final Instant timestamp;

    private NoCloudSeed(byte[] userData, byte[] metaData, byte[] networkConfig, byte[] vendorData, Instant timestamp) {
        this.userData = userData;
        this.metaData = metaData;
        this.networkConfig = networkConfig;
        this.vendorData = vendorData;
        this.timestamp = timestamp;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What goes on the seed. */
    public static final class Builder {
        private byte[] userData = new byte[0];
        private byte[] metaData;
        private String instanceId;
        private String hostname;
        private byte[] networkConfig;
        private byte[] vendorData;
        private Clock clock = Clock.systemUTC();
        private Instant timestamp;
        private Random random;

        private Builder() {
        }

        /** The user-data file, as it is (see {@link UserData#compose} to add a script or power-off). */
        public Builder userData(byte[] b) {
            this.userData = b.clone();
            return this;
        }

        /**
         * The whole meta-data file, as it is; replaces {@link #instanceId} and {@link #hostname}. It
         * must name an instance-id, or cloud-init ignores the seed.
         */
        public Builder metaData(byte[] b) {
            this.metaData = b.clone();
            return this;
        }

        /**
         * The instance-id of the generated meta-data. cloud-init runs its once-per-instance modules
         * (user scripts, ssh keys, ...) only for an instance-id it has not seen, so the default is a
         * fresh random one: {@code iid-imgtool-} and 16 hex digits.
         */
        public Builder instanceId(String id) {
            if (!INSTANCE_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("instance-id '" + id
                        + "': up to 128 of A-Z a-z 0-9 . _ -, starting with a letter or digit");
            }
            this.instanceId = id;
            return this;
        }

        /** local-hostname of the generated meta-data (cloud-init sets the guest's hostname from it). */
        public Builder hostname(String name) {
            if (!HOSTNAME.matcher(name).matches()) {
                throw new IllegalArgumentException("hostname '" + name + "' is not a valid DNS name");
            }
            this.hostname = name;
            return this;
        }

        /** A network-config file (version 1 or 2), as it is. */
        public Builder networkConfig(byte[] b) {
            this.networkConfig = b.clone();
            return this;
        }

        public Builder vendorData(byte[] b) {
            this.vendorData = b.clone();
            return this;
        }

        /** The time stamped on the volume; default: the clock's now. */
        public Builder timestamp(Instant t) {
            this.timestamp = t;
            return this;
        }

        public Builder clock(Clock c) {
            this.clock = c;
            return this;
        }

        /** The source of the default instance-id; default: a SecureRandom. */
        public Builder random(Random r) {
            this.random = r;
            return this;
        }

        public NoCloudSeed build() {
            byte[] meta = metaData;
            if (meta == null) {
                String id = instanceId;
                if (id == null) {
                    byte[] b = new byte[8];
                    (random == null ? new SecureRandom() : random).nextBytes(b);
                    id = "iid-imgtool-" + HexFormat.of().formatHex(b);
                }
                StringBuilder sb = new StringBuilder();
                sb.append("instance-id: ").append(id).append('\n');
                if (hostname != null) {
                    sb.append("local-hostname: ").append(hostname).append('\n');
                }
                meta = sb.toString().getBytes(StandardCharsets.UTF_8);
            } else if (instanceId != null || hostname != null) {
                throw new IllegalArgumentException("give either a meta-data file or instance-id/hostname, not both");
            }
            Instant t = timestamp != null ? timestamp : clock.instant();
            return new NoCloudSeed(userData, meta, networkConfig, vendorData, t);
        }
    }

    public byte[] userData() {
        return userData.clone();
    }

    public byte[] metaData() {
        return metaData.clone();
    }

    /** The ISO 9660 image. */
    public byte[] toByteArray() {
        IsoImageWriter.Builder iso = IsoImageWriter.builder().volumeId(LABEL).applicationId("IMGTOOL NOCLOUD SEED")
                .timestamp(timestamp)
                .file("user-data", userData)
                .file("meta-data", metaData);
        if (networkConfig != null) {
            iso.file("network-config", networkConfig);
        }
        if (vendorData != null) {
            iso.file("vendor-data", vendorData);
        }
        return iso.build().toByteArray();
    }

    /** Writes the image to {@code file}, which must not exist. */
    public void writeTo(Path file) throws IOException {
        Files.write(file, toByteArray(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }
}
