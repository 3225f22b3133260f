package io.imgtool.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.MemoryDevice;
import io.imgtool.core.RawFileDevice;
import io.imgtool.testdata.ReferenceTools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.SeekableFileInputStream;
import org.tukaani.xz.SeekableXZInputStream;
import org.tukaani.xz.XZInputStream;

class XzCompressorTest {

    static final int BLOCK = 256 << 10;

    @TempDir
    Path dir;

    /** A disk-like mix: random bytes, text, long zero runs (holes), a tail shorter than a block. */
    static byte[] diskLike(int size, long seed) {
        byte[] b = new byte[size];
        Random r = new Random(seed);
        int pos = 0;
        while (pos < size) {
            int kind = r.nextInt(4);
            int len = Math.min(size - pos, 1 + r.nextInt(3 * BLOCK / 2));
            switch (kind) {
                case 0 -> {
                    byte[] rnd = new byte[len];
                    r.nextBytes(rnd);
                    System.arraycopy(rnd, 0, b, pos, len);
                }
                case 1 -> {
                    byte[] text = ("line " + r.nextInt(1000) + " of a log file that repeats itself\n")
                            .getBytes(StandardCharsets.US_ASCII);
                    for (int i = 0; i < len; i++) {
                        b[pos + i] = text[i % text.length];
                    }
                }
                default -> { } // zeroes
            }
            pos += len;
        }
        return b;
    }

    static MemoryDevice sparseDevice(byte[] content) throws IOException {
        MemoryDevice dev = new MemoryDevice(content.length);
        // Only write non-zero 4 KiB pieces, so the map shows holes.
        for (int off = 0; off < content.length; off += 4096) {
            int n = Math.min(4096, content.length - off);
            boolean zero = true;
            for (int i = off; i < off + n && zero; i++) {
                zero = content[i] == 0;
            }
            if (!zero) {
                dev.write(ByteBuffer.wrap(content, off, n), off);
            }
        }
        return dev;
    }

    @Test
    void roundTripsThroughXzJavaAndHasOneBlockPerBlockSize() throws IOException {
        byte[] data = diskLike(10 * BLOCK + 12345, 1);
        Path out = dir.resolve("disk.raw.xz");
        XzResult r = XzCompressor.builder().blockSize(BLOCK).threads(2).build().compress(sparseDevice(data), out);
        assertThat(r.blocks()).isEqualTo(11);
        assertThat(r.uncompressedSize()).isEqualTo(data.length);
        assertThat(r.compressedSize()).isEqualTo(Files.size(out));
        try (InputStream in = new XZInputStream(Files.newInputStream(out))) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
        try (SeekableXZInputStream in = new SeekableXZInputStream(new SeekableFileInputStream(out.toFile()))) {
            assertThat(in.getBlockCount()).isEqualTo(11);
            assertThat(in.getStreamCount()).isEqualTo(1);
            assertThat(in.length()).isEqualTo(data.length);
            // Random access through the index, as nbdkit-xz does.
            in.seek(7L * BLOCK + 99);
            byte[] piece = new byte[5000];
            new java.io.DataInputStream(in).readFully(piece);
            assertThat(piece).isEqualTo(Arrays.copyOfRange(data, 7 * BLOCK + 99, 7 * BLOCK + 99 + 5000));
        }
    }

    @Test
    void xzToolTestsListsAndDecompressesItByteIdentical() throws IOException {
        byte[] data = diskLike(6 * BLOCK + 777, 2);
        Path raw = Files.write(dir.resolve("disk.raw"), data);
        Path out = dir.resolve("disk.raw.xz");
        try (BlockDevice dev = RawFileDevice.open(raw, false)) {
            XzCompressor.builder().blockSize(BLOCK).build().compress(dev, out);
        }
        ReferenceTools.runOk("xz", "-t", out.toString());
        String list = ReferenceTools.runOk("xz", "--list", "--robot", "-vv", out.toString()).stdout();
        List<String[]> blocks = new ArrayList<>();
        for (String line : list.split("\n")) {
            String[] f = line.split("\t");
            if (f[0].equals("stream")) {
                assertThat(f[1]).as("streams").isEqualTo("1");
                assertThat(f[2]).as("blocks").isEqualTo("7");
                assertThat(f[5]).as("compressed").isEqualTo(Long.toString(Files.size(out)));
                assertThat(f[6]).as("uncompressed").isEqualTo(Long.toString(data.length));
                assertThat(f[8]).as("check").isEqualTo("CRC64");
            }
            if (f[0].equals("block")) {
                blocks.add(f);
            }
        }
        assertThat(blocks).hasSize(7);
        for (int i = 0; i < 7; i++) {
            String[] f = blocks.get(i);
            // block <stream> <n-in-stream> <n-in-file> <c-off> <u-off> <c-total> <u-size> <ratio> <check>
            //       <checkval> <header-size> <flags> <c-data-size> <memory> <filters>   (-vv)
            assertThat(f[7]).as("uncompressed size of block " + i)
                    .isEqualTo(Integer.toString(i < 6 ? BLOCK : 777));
            assertThat(f[5]).as("uncompressed offset of block " + i).isEqualTo(Long.toString((long) i * BLOCK));
            assertThat(f[12]).as("header flags of block " + i).isEqualTo("cu"); // both sizes in the header
            assertThat(f[15]).as("filter of block " + i).startsWith("--lzma2=dict=");
        }
        Path back = dir.resolve("back");
        ReferenceTools.run(Duration.ofMinutes(1), null, "sh", "-c", "xz -dc \"$1\" > \"$2\"", "sh", out.toString(),
                back.toString()).assertOk();
        assertThat(Files.readAllBytes(back)).isEqualTo(data);
        // The multi-threaded decoder of xz 5.4 splits on our block headers.
        ReferenceTools.runOk("xz", "-t", "-T2", out.toString());
    }

    @Test
    void nbdkitXzFilterServesItByteIdentical() throws IOException {
        byte[] data = diskLike(5 * BLOCK + 4096, 5);
        Path raw = Files.write(dir.resolve("disk.raw"), data);
        Path out = dir.resolve("disk.raw.xz");
        try (BlockDevice dev = RawFileDevice.open(raw, false)) {
            XzCompressor.builder().blockSize(BLOCK).build().compress(dev, out);
        }
        // nbdkit's xz filter seeks through our index block by block; qemu-img reads the whole disk.
        Path back = dir.resolve("back.raw");
        ReferenceTools.run(Duration.ofMinutes(2), null, "nbdkit", "-U", "-", "--filter=xz", "file", out.toString(),
                "--run", "qemu-img convert -f raw \"$uri\" -O raw " + back).assertOk();
        assertThat(Files.readAllBytes(back)).isEqualTo(data);
    }

    @Test
    void outputDoesNotDependOnThreadsOrOnTheAllocationMap() throws IOException {
        byte[] data = diskLike(9 * BLOCK + 5, 3);
        byte[] one = compress(MemoryDevice.of(data), 1);
        byte[] four = compress(sparseDevice(data), 4);
        byte[] two = compress(sparseDevice(data), 2);
        assertThat(four).isEqualTo(one);
        assertThat(two).isEqualTo(one);
    }

    @Test
    void holesCompressOnceAndCheaply() throws IOException {
        MemoryDevice dev = new MemoryDevice(64L * BLOCK);
        dev.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)), 10L * BLOCK);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        XzResult r = XzCompressor.builder().blockSize(BLOCK).threads(2).build().compress(dev, out);
        assertThat(r.blocks()).isEqualTo(64);
        assertThat(r.zeroBlocks()).isEqualTo(63);
        assertThat(r.compressedSize()).isLessThan(64L * 200);
        try (InputStream in = new XZInputStream(new java.io.ByteArrayInputStream(out.toByteArray()))) {
            byte[] back = in.readAllBytes();
            assertThat(back).hasSize(64 * BLOCK);
            assertThat(new String(back, 10 * BLOCK, 5, StandardCharsets.US_ASCII)).isEqualTo("hello");
        }
    }

    @Test
    void emptyDeviceGivesAValidEmptyStream() throws IOException {
        Path out = dir.resolve("empty.xz");
        XzResult r = XzCompressor.builder().build().compress(new MemoryDevice(0), out);
        assertThat(r.blocks()).isZero();
        ReferenceTools.runOk("xz", "-t", out.toString());
        try (InputStream in = new XZInputStream(Files.newInputStream(out))) {
            assertThat(in.readAllBytes()).isEmpty();
        }
    }

    @Test
    void neverOverwritesAndLeavesNoPartialFile() throws IOException {
        Path out = Files.writeString(dir.resolve("exists.xz"), "x");
        assertThatThrownBy(() -> XzCompressor.builder().build().compress(new MemoryDevice(10), out))
                .isInstanceOf(FileAlreadyExistsException.class);
        BlockDevice failing = new BlockDevice() {
            @Override
            public long size() {
                return 4L * BLOCK;
            }

            @Override
            public boolean isWritable() {
                return false;
            }

            @Override
            public void read(ByteBuffer dst, long offset) throws IOException {
                if (offset >= 2L * BLOCK) {
                    throw new IOException("disk on fire");
                }
                dst.put(new byte[dst.remaining()]);
            }

            @Override
            public void write(ByteBuffer src, long offset) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Path out2 = dir.resolve("failed.xz");
        assertThatThrownBy(() -> XzCompressor.builder().blockSize(BLOCK).build().compress(failing, out2))
                .hasMessageContaining("disk on fire");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("exists.xz");
        }
    }

    @Test
    void defaultBlockSizeIsSixteenMebibytes() throws IOException {
        byte[] data = diskLike(17 << 20, 4);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        XzResult r = XzCompressor.builder().preset(1).build().compress(sparseDevice(data), out);
        assertThat(r.blocks()).isEqualTo(2);
        assertThat(r.blockSize()).isEqualTo(16 << 20);
        try (SeekableXZInputStream in = new SeekableXZInputStream(
                new org.tukaani.xz.SeekableFileInputStream(Files.write(dir.resolve("d.xz"), out.toByteArray()).toFile()))) {
            assertThat(in.getBlockCount()).isEqualTo(2);
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
    }

    private static byte[] compress(BlockDevice dev, int threads) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        XzCompressor.builder().blockSize(BLOCK).threads(threads).build().compress(dev, out);
        return out.toByteArray();
    }
}
