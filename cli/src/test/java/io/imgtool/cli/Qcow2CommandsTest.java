package io.imgtool.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.ImageException;
import io.imgtool.core.Json;
import io.imgtool.testdata.ReferenceTools;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The qcow2 commands end to end: exit codes, JSON field names, and the lock QEMU holds. */
class Qcow2CommandsTest {

    @TempDir
    Path dir;

    private record Run(int exit, String out) {
    }

    private static Run run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = ImgTool.run(args);
            return new Run(code, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void sampleInfoCheckConvertMapResize() throws Exception {
        Path s = dir.resolve("s.qcow2");
        assertThat(run("sample", "--size", "64M", s.toString()).exit()).isZero();
        byte[] first = Files.readAllBytes(s);
        Path s2 = dir.resolve("s2.qcow2");
        run("sample", "--size", "64M", s2.toString());
        assertThat(Files.readAllBytes(s2)).as("sample is deterministic").isEqualTo(first);

        Run info = run("info", "--json", s.toString());
        assertThat(info.exit()).isZero();
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) Json.parse(info.out());
        assertThat(m).containsEntry("virtual-size", 64L << 20).containsEntry("format", "qcow2")
                .containsEntry("cluster-size", 65536L);

        Run check = run("check", "--json", s.toString());
        assertThat(check.exit()).isZero();
        String qemuCheck = ReferenceTools.runOk("qemu-img", "check", "--output=json", s.toString()).stdout();
        @SuppressWarnings("unchecked")
        Map<String, Object> ours = (Map<String, Object>) Json.parse(check.out());
        @SuppressWarnings("unchecked")
        Map<String, Object> theirs = (Map<String, Object>) Json.parse(qemuCheck);
        for (String k : List.of("image-end-offset", "total-clusters", "check-errors", "allocated-clusters")) {
            assertThat(ours.get(k)).as(k).isEqualTo(theirs.get(k));
        }

        Path c = dir.resolve("c.qcow2");
        assertThat(run("convert", "-O", "qcow2", "-c", "--compression", "zstd", s.toString(), c.toString()).exit()).isZero();
        ReferenceTools.runOk("qemu-img", "compare", s.toString(), c.toString());
        Path raw = dir.resolve("c.raw");
        assertThat(run("convert", "-O", "raw", c.toString(), raw.toString()).exit()).isZero();
        ReferenceTools.runOk("qemu-img", "compare", "-F", "raw", s.toString(), raw.toString());
        Path unsynced = dir.resolve("u.qcow2");
        assertThat(run("convert", "--no-sync", "-f", "raw", raw.toString(), unsynced.toString()).exit()).isZero();
        ReferenceTools.runOk("qemu-img", "check", unsynced.toString());
        ReferenceTools.runOk("qemu-img", "compare", "-f", "raw", "-F", "qcow2", raw.toString(), unsynced.toString());
        assertThat(run("convert", "-f", "raw", raw.toString(), unsynced.toString()).exit())
                .as("an existing output is refused").isNotZero();
        assertThat(dir.resolve(".u.qcow2.imgtool-new")).doesNotExist();

        Run map = run("map", "--json", s.toString());
        assertThat(map.exit()).isZero();
        assertThat((List<?>) Json.parse(map.out())).isNotEmpty();

        assertThat(run("resize", s.toString(), "+1G").exit()).isZero();
        assertThat(ReferenceTools.runOk("qemu-img", "info", "--output=json", s.toString()).stdout())
                .contains("\"virtual-size\": " + ((64L << 20) + (1L << 30)));
        ReferenceTools.runOk("qemu-img", "check", s.toString());
    }

    @Test
    void createAndExitCodes() throws Exception {
        Path img = dir.resolve("n.qcow2");
        assertThat(run("create", "-f", "qcow2", "-o", "cluster_size=4k,extended_l2=off,refcount_bits=64",
                img.toString(), "100M").exit()).isZero();
        assertThat(ReferenceTools.runOk("qemu-img", "info", "--output=json", img.toString()).stdout())
                .contains("\"cluster-size\": 4096").contains("\"refcount-bits\": 64");
        assertThat(run("create", img.toString(), "1M").exit()).as("never overwrites").isEqualTo(ExitCodes.USAGE);
        assertThat(run("create", "-o", "bogus=1", dir.resolve("x.qcow2").toString(), "1M").exit()).isEqualTo(ExitCodes.USAGE);
        Path top = dir.resolve("top.qcow2");
        assertThat(run("create", "-b", "n.qcow2", "-F", "qcow2", top.toString()).exit()).isZero();
        assertThat(run("info", "--backing-chain", "--json", top.toString()).out()).contains("n.qcow2");
        Path junk = dir.resolve("junk.qcow2");
        Files.write(junk, new byte[] {'Q', 'F', 'I', (byte) 0xfb, 0, 0, 0, 3});
        assertThat(run("info", junk.toString()).exit()).isEqualTo(ExitCodes.CORRUPT);
        assertThat(run("info", dir.resolve("missing").toString()).exit()).isEqualTo(ExitCodes.CORRUPT);
        // A leak made on purpose: check says 1, repair fixes it.
        ReferenceTools.runOk("qemu-img", "create", "-q", "-f", "qcow2", dir.resolve("leak.qcow2").toString(), "1M");
        try (var ch = java.nio.channels.FileChannel.open(dir.resolve("leak.qcow2"), java.nio.file.StandardOpenOption.WRITE)) {
            // cluster 4 (past the L1 table) gets refcount 1 without any reference
            ch.write(java.nio.ByteBuffer.allocate(2).putShort(0, (short) 1), 0x20000 + 8);
        }
        assertThat(run("check", dir.resolve("leak.qcow2").toString()).exit()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(run("check", "-r", "leaks", dir.resolve("leak.qcow2").toString()).exit()).isZero();
        ReferenceTools.runOk("qemu-img", "check", dir.resolve("leak.qcow2").toString());
    }

    @Test
    void writableOpenFailsWhileQemuHoldsTheImage() throws Exception {
        Path img = dir.resolve("locked.qcow2");
        ReferenceTools.runOk("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "16M");
        Process qemu = new ProcessBuilder(ReferenceTools.require("qemu-io").toString(), img.toString())
                .redirectErrorStream(true).start();
        try {
            OutputStream in = qemu.getOutputStream();
            // Wait until qemu-io has the image open (its prompt answers a command).
            in.write("help\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            byte[] buf = new byte[256];
            assertThat(qemu.getInputStream().read(buf)).isPositive();
            assertThat(run("resize", img.toString(), "+1M").exit()).isEqualTo(ExitCodes.LOCKED);
            assertThatThrownBy(() -> Disks.open(img, true)).isInstanceOf(ImageException.class)
                    .satisfies(e -> assertThat(((ImageException) e).kind()).isEqualTo(ImageException.Kind.LOCKED));
            // Reading is still allowed.
            assertThat(run("info", img.toString()).exit()).isZero();
            in.write("quit\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            assertThat(qemu.waitFor(20, TimeUnit.SECONDS)).isTrue();
        } finally {
            qemu.destroyForcibly();
        }
        assertThat(run("resize", img.toString(), "+1M").exit()).isZero();
    }
}
