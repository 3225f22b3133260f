package io.imgtool.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RawFileDeviceTest {

    @TempDir
    Path dir;

    @Test
    void createIsSparseAndReadsBackWrites() throws Exception {
        Path f = dir.resolve("disk.raw");
        try (RawFileDevice d = RawFileDevice.create(f, 64L << 20)) {
            assertThat(d.size()).isEqualTo(64L << 20);
            d.write(ByteBuffer.wrap("imgtool".getBytes()), 10L << 20);
            assertThat(new String(d.readBytes(10L << 20, 7))).isEqualTo("imgtool");
            assertThat(d.readBytes(0, 4096)).containsOnly(0);
            List<Extent> map = d.extents(0, d.size());
            assertThat(map).isNotEmpty();
            assertThat(map.get(0).offset()).isZero();
            assertThat(map.get(map.size() - 1).end()).isEqualTo(d.size());
            if (NativeFiles.available()) {
                // With SEEK_DATA the hole before the write is seen as such.
                assertThat(map.get(0).allocation()).isEqualTo(Allocation.UNALLOCATED);
            }
        }
        assertThat(Files.size(f)).isEqualTo(64L << 20);
    }

    @Test
    void writeZeroesLeavesZeroesAndKeepsHoles() throws Exception {
        Path f = dir.resolve("z.raw");
        try (RawFileDevice d = RawFileDevice.create(f, 8L << 20)) {
            byte[] ones = new byte[3 << 20];
            java.util.Arrays.fill(ones, (byte) 0x5a);
            d.write(ByteBuffer.wrap(ones), 1L << 20);
            d.writeZeroes(2L << 20, 1L << 20);
            assertThat(d.readBytes(2L << 20, 1 << 20)).containsOnly(0);
            assertThat(d.readBytes((2L << 20) - 1, 1)).containsExactly(0x5a);
            assertThat(d.readBytes(3L << 20, 1)).containsExactly(0x5a);
            d.discard(0, d.size());
            assertThat(d.readBytes(0, 8 << 20)).containsOnly(0);
        }
    }

    @Test
    void readOnlyRefusesWrites() throws Exception {
        Path f = dir.resolve("ro.raw");
        Files.write(f, new byte[4096]);
        try (RawFileDevice d = RawFileDevice.open(f, false)) {
            assertThatThrownBy(() -> d.write(ByteBuffer.allocate(1), 0))
                    .isInstanceOfSatisfying(ImageException.class,
                            e -> assertThat(e.kind()).isEqualTo(ImageException.Kind.READ_ONLY));
            assertThatThrownBy(() -> d.writeZeroes(0, 1)).isInstanceOf(ImageException.class);
        }
        assertThatThrownBy(() -> RawFileDevice.open(dir.resolve("missing"), false))
                .isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void secondWriterInThisProcessIsRefused() throws Exception {
        Path f = dir.resolve("lock.raw");
        Files.write(f, new byte[4096]);
        try (RawFileDevice first = RawFileDevice.open(f, true)) {
            assertThatThrownBy(() -> RawFileDevice.open(f, true))
                    .isInstanceOfSatisfying(ImageException.class,
                            e -> assertThat(e.kind()).isEqualTo(ImageException.Kind.LOCKED));
            assertThat(first.isWritable()).isTrue();
        }
        // Released on close.
        RawFileDevice.open(f, true).close();
    }

    @Test
    void writerInAnotherProcessIsDetected() throws Exception {
        Path f = dir.resolve("xlock.raw");
        Files.write(f, new byte[4096]);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                LockHolder.class.getName(), f.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
            assertThat(out.readLine()).isEqualTo("locked");
            assertThatThrownBy(() -> RawFileDevice.open(f, true))
                    .isInstanceOfSatisfying(ImageException.class, e -> {
                        assertThat(e.kind()).isEqualTo(ImageException.Kind.LOCKED);
                        assertThat(e.getMessage()).contains("another process");
                    });
            // Reading is still allowed.
            try (RawFileDevice ro = RawFileDevice.open(f, false)) {
                assertThat(ro.size()).isEqualTo(4096);
            }
        } finally {
            child.getOutputStream().close();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        RawFileDevice.open(f, true).close();
    }

    @Test
    void resizeGrowsWithZeroes() throws Exception {
        Path f = dir.resolve("grow.raw");
        try (RawFileDevice d = RawFileDevice.create(f, 4096)) {
            d.write(ByteBuffer.wrap(new byte[] {7}), 4095);
            d.resize(1 << 20);
            assertThat(d.size()).isEqualTo(1 << 20);
            assertThat(d.readBytes(4095, 2)).containsExactly(7, 0);
            d.resize(100);
            assertThat(Files.size(f)).isEqualTo(100);
        }
    }

    /** Child process: holds a writable open until its stdin closes. */
    public static final class LockHolder {
        public static void main(String[] args) throws Exception {
            try (RawFileDevice d = RawFileDevice.open(Path.of(args[0]), true)) {
                System.out.println("locked");
                System.out.flush();
                while (System.in.read() >= 0) {
                    // wait
                }
            }
        }
    }
}
