package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.RawFileDevice;
import io.imgtool.ext4.mkfs.Ext4Formatter;
import io.imgtool.testdata.ReferenceTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An empty filesystem made by imgtool equals the one Debian 12's mke2fs makes with the same size,
 * options, UUID, hash seed and time: every line of {@code dumpe2fs} (geometry, features, counts,
 * every group's layout, flags, free ranges and bitmap checksums) is the same, except the lifetime
 * write counter, the superblock checksum and the journal checksum feature (imgtool sets csum v3 on
 * the journal superblock; mke2fs leaves it to the kernel's first mount). {@code e2fsck -fn} is clean.
 */
class MkfsGeometryTest {

    static final String UUID_S = "5b6e1c52-64a4-4d1b-9a3e-1f2d3c4b5a69";
    static final String SEED_S = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    static final long TIME = 1_000_000_000L;

    static Stream<Arguments> geometries() {
        return Stream.of(
                Arguments.of("8M", 8L << 20, List.of()),
                Arguments.of("8M-4k", 8L << 20, List.of("-b", "4096")),
                Arguments.of("64M", 64L << 20, List.of()),
                Arguments.of("256M", 256L << 20, List.of()),
                Arguments.of("600M", 600L << 20, List.of()),
                Arguments.of("3G", 3L << 30, List.of()),
                Arguments.of("5G-odd", (5L << 30) + (77L << 20) + 4096, List.of()),
                Arguments.of("20G", 20L << 30, List.of()),
                Arguments.of("2G-1k", 2L << 30, List.of("-b", "1024")),
                Arguments.of("1G-64k", 1L << 30, List.of("-b", "65536")),
                Arguments.of("1G-no-csum-32bit", 1L << 30, List.of("-O", "^metadata_csum,^64bit")),
                Arguments.of("1G-uninit_bg", 1L << 30, List.of("-O", "^metadata_csum,uninit_bg")),
                Arguments.of("1G-no-journal", 1L << 30, List.of("-O", "^has_journal")),
                Arguments.of("700M-ratio-128-inodes", 700L << 20, List.of("-i", "8192", "-I", "128")),
                Arguments.of("1G-no-flex", 1L << 30, List.of("-O", "^flex_bg")),
                Arguments.of("300M-m1-N5000", 300L << 20, List.of("-m", "1", "-N", "5000")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("geometries")
    void sameAsMke2fs(String name, long size, List<String> args) throws IOException {
        ReferenceTools.require("mke2fs");
        Path dir = Images.scratch("mkfs-geometry-" + name);
        Path ref = dir.resolve("ref.img");
        Path ours = dir.resolve("ours.img");
        try (RawFileDevice d = RawFileDevice.create(ref, size)) {
            // created sparse
        }
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/env", "E2FSPROGS_FAKE_TIME=" + TIME,
                ReferenceTools.require("mke2fs").toString(), "-q", "-F", "-t", "ext4", "-U", UUID_S, "-E",
                "hash_seed=" + SEED_S));
        cmd.addAll(args);
        cmd.add(ref.toString());
        ReferenceTools.runOk(cmd.toArray(String[]::new));

        Ext4Formatter.Builder b = Ext4Formatter.builder().uuid(UUID.fromString(UUID_S))
                .hashSeed(UUID.fromString(SEED_S)).clock(Clock.fixed(Instant.ofEpochSecond(TIME), ZoneOffset.UTC))
                .assumeZeroed(true);
        for (int i = 0; i < args.size(); i += 2) {
            String v = args.get(i + 1);
            switch (args.get(i)) {
                case "-b" -> b.blockSize(Integer.parseInt(v));
                case "-O" -> b.features(v);
                case "-i" -> b.inodeRatio(Long.parseLong(v));
                case "-I" -> b.inodeSize(Integer.parseInt(v));
                case "-m" -> b.reservedPercent(Double.parseDouble(v));
                case "-N" -> b.inodeCount(Long.parseLong(v));
                default -> throw new IllegalArgumentException(args.get(i));
            }
        }
        try (RawFileDevice d = RawFileDevice.create(ours, size)) {
            b.build().format(d);
        }
        MkfsTool.fsckClean(ours);
        assertThat(dump(ours)).isEqualTo(dump(ref));
        Files.delete(ref);
        Files.delete(ours);
    }

    private static String dump(Path image) {
        String out = ReferenceTools.runOk("dumpe2fs", image.toString()).stdout();
        return Arrays.stream(out.split("\n"))
                .filter(l -> !l.startsWith("Lifetime writes:") && !l.startsWith("Checksum:")
                        && !l.startsWith("Journal features:") && !l.startsWith("Journal checksum"))
                .collect(Collectors.joining("\n"));
    }
}
