package io.imgtool.testdata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.testkit.engine.EngineTestKit;

class ScratchTest {

    @TempDir
    Path dir;

    @Test
    void aCopyHasTheSameBytesAndLengthButHolesWhereTheSourceIsZero() throws IOException {
        Path from = dir.resolve("from.img");
        byte[] noise = new byte[5000];
        new Random(7).nextBytes(noise);
        try (FileChannel c = FileChannel.open(from, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            c.write(ByteBuffer.allocate(12 << 20)); // 12 MiB of written zeroes: fully allocated
            c.write(ByteBuffer.wrap(noise), (1 << 20) + 3); // crosses a 4 KiB boundary
            c.write(ByteBuffer.wrap(noise), (3 << 20) - 100); // crosses the 1 MiB read boundary
        }
        Path to = Scratch.copy(from, dir.resolve("to.img"));
        assertThat(Files.size(to)).isEqualTo(12 << 20);
        assertThat(Files.mismatch(from, to)).isEqualTo(-1);
        assertThat(allocated(from)).isGreaterThanOrEqualTo(12 << 20);
        // The noise touches two 4 KiB blocks twice (plus file-system metadata granularity).
        assertThat(allocated(to)).isLessThanOrEqualTo(64 << 10);
    }

    @Test
    void anAllZeroSourceCopiesToOneHoleOfTheSameLengthAndAnEmptyOneToAnEmptyFile() throws IOException {
        Path zeros = dir.resolve("zeros");
        Files.write(zeros, new byte[3 << 20]);
        Path to = Scratch.copy(zeros, dir.resolve("zeros.copy"));
        assertThat(Files.size(to)).isEqualTo(3 << 20);
        assertThat(Files.mismatch(zeros, to)).isEqualTo(-1);
        assertThat(allocated(to)).isLessThanOrEqualTo(4096);
        Path empty = Files.createFile(dir.resolve("empty"));
        assertThat(Files.size(Scratch.copy(empty, dir.resolve("empty.copy")))).isZero();
    }

    @Test
    void aCopyReplacesAnExistingTarget() throws IOException {
        Path from = Files.writeString(dir.resolve("a"), "new");
        Path to = Files.writeString(dir.resolve("b"), "old and longer");
        Scratch.copy(from, to);
        assertThat(Files.readString(to)).isEqualTo("new");
    }

    @Test
    void foldersGoWhenTheTopLevelClassEndsNotWhenANestedOneDoes() {
        EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
                .selectors(selectClass(Sample.class))
                .execute().testEvents().assertStatistics(s -> s.succeeded(2).failed(0));
        assertThat(Sample.outer).isNotNull();
        assertThat(Sample.inner).isNotNull();
        assertThat(Sample.innerAliveAtOuterEnd).as("nested class's folder kept until the outer class ends").isTrue();
        assertThat(Sample.outer).doesNotExist();
        assertThat(Sample.inner).doesNotExist();
        assertThat(Sample.jvm).exists();
    }

    private static long allocated(Path p) {
        return Long.parseLong(ReferenceTools.runOk("stat", "-c", "%b", p.toString()).stdout().strip()) * 512;
    }

    /** Run only through the engine test kit above. */
    static class Sample {
        static Path outer;
        static Path inner;
        static Path jvm;
        static boolean innerAliveAtOuterEnd;

        @Test
        void makesAFolder() throws IOException {
            outer = Scratch.dir("scratch-test-outer");
            Files.writeString(outer.resolve("f"), "x");
            jvm = Scratch.dirForThisJvm("scratch-test-jvm");
        }

        @AfterAll
        static void seeInner() {
            innerAliveAtOuterEnd = Files.isRegularFile(inner.resolve("sub/g"));
        }

        @Nested
        class Inner {
            @Test
            void makesAnother() throws IOException {
                inner = Scratch.dir("scratch-test-inner");
                Files.createDirectories(inner.resolve("sub"));
                Files.writeString(inner.resolve("sub/g"), "y");
                // Read-only folders go too.
                inner.resolve("sub").toFile().setWritable(false);
            }
        }
    }
}
