package io.imgtool.qcow2;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.qcow2.internal.Codec;
import io.imgtool.testdata.JavaChild;
import io.imgtool.testdata.ReferenceTools;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The paths imgtool takes only on Java 22 or newer (the build runs on 17): the holes of a sparse
 * raw source found with SEEK_DATA and never read, and zstd through the system's libzstd. A child
 * JVM of the newest installed Java converts; qemu-img checks and compares the result, and the
 * image reads back through the pure-Java decoder of this (Java 17) process.
 */
class NativePathsTest {

    @TempDir
    Path dir;

    @Test
    void newerJavaSkipsHolesAndCompressesWithLibzstd() throws Exception {
        ReferenceTools.require("qemu-img");
        JavaChild.Java jdk = JavaChild.requireJava(22, "the native paths cannot run here");
        // 1 GiB sparse file: 3 MiB of data in three places, the rest holes.
        Path raw = dir.resolve("sparse.raw");
        byte[] data = TestImages.mixedContent(3, 1 << 20);
        data[0] = 1; // the first cluster is data either way
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(1L << 30);
            for (long at : new long[] {0, 512L << 20, (1L << 30) - (1 << 20)}) {
                f.seek(at);
                f.write(data);
            }
        }
        for (String mode : new String[] {"zstd", "plain"}) {
            Path q = dir.resolve(mode + ".qcow2");
            Path back = dir.resolve(mode + ".raw");
            Process p = JavaChild.start(jdk.binary(), jdk.feature(), NativeChild.class, raw.toString(), q.toString(),
                    mode, back.toString());
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).as("libzstd is there on any system with systemd").contains("native-zstd=true");
            long read = Long.parseLong(out.replaceAll(".*read=(\\d+).*", "$1"));
            assertThat(read).as("bytes read of a 1 GiB file with 3 MiB of data").isLessThanOrEqualTo(4L << 20);
            TestImages.assertQemuCheckClean(q);
            ReferenceTools.runOk("qemu-img", "compare", "-f", "raw", "-F", "qcow2", raw.toString(), q.toString());
            assertThat(Files.mismatch(raw, back)).isEqualTo(-1);
            try (Qcow2Image img = Qcow2Image.open(q, false)) {
                if (Runtime.version().feature() < 22) {
                    assertThat(Codec.nativeZstd()).isFalse(); // this JVM decodes with aircompressor
                }
                byte[] b = new byte[1 << 20];
                img.read(java.nio.ByteBuffer.wrap(b), 512L << 20);
                assertThat(b).isEqualTo(data);
            }
        }
    }
}
