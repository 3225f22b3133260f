package io.imgtool.qcow2;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.Extent;
import io.imgtool.testdata.ReferenceTools;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Helpers for qcow2 tests: deterministic content, qemu-img/qemu-io runs, whole-device reads. */
final class TestImages {

    private TestImages() {
    }

    /**
     * Deterministic mixed content of {@code size} bytes: random stretches, text-like stretches, zero
     * runs, so compression, zero detection and sparse handling are all exercised.
     */
    static byte[] mixedContent(long seed, int size) {
        Random r = new Random(seed);
        byte[] b = new byte[size];
        int pos = 0;
        String words = "the quick brown fox jumps over the lazy dog qcow2 cluster refcount table ";
        while (pos < size) {
            int len = Math.min(size - pos, 1 + r.nextInt(200_000));
            switch (r.nextInt(4)) {
                case 0 -> {
                    byte[] x = new byte[len];
                    r.nextBytes(x);
                    System.arraycopy(x, 0, b, pos, len);
                }
                case 1 -> {
                    for (int i = 0; i < len; i++) {
                        b[pos + i] = (byte) words.charAt((i * 7 + r.nextInt(3)) % words.length());
                    }
                }
                default -> {
                    // zeroes
                }
            }
            pos += len;
        }
        return b;
    }

    static Path writeRaw(Path dir, String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    static void qemuImg(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "qemu-img";
        System.arraycopy(args, 0, cmd, 1, args.length);
        ReferenceTools.runOk(cmd);
    }

    static void qemuIo(Path img, String... commands) {
        String[] cmd = new String[1 + commands.length * 2 + 1];
        int i = 0;
        cmd[i++] = "qemu-io";
        for (String c : commands) {
            cmd[i++] = "-c";
            cmd[i++] = c;
        }
        cmd[i] = img.toString();
        ReferenceTools.runOk(cmd);
    }

    /** What qemu-img reads from {@code img}: convert -O raw, as bytes. */
    static byte[] qemuRaw(Path img) throws IOException {
        Path out = img.resolveSibling(img.getFileName() + ".qemu.raw");
        Files.deleteIfExists(out);
        qemuImg("convert", "-O", "raw", img.toString(), out.toString());
        byte[] b = Files.readAllBytes(out);
        Files.delete(out);
        return b;
    }

    /** Byte-array equality with a short message (the first difference), never a megabyte dump. */
    static void assertSame(byte[] actual, byte[] expected, String what) {
        int i = java.util.Arrays.mismatch(actual, expected);
        if (i >= 0) {
            throw new AssertionError(what + ": lengths " + actual.length + "/" + expected.length
                    + ", first difference at byte " + i + " (actual " + (i < actual.length ? actual[i] : "-")
                    + ", expected " + (i < expected.length ? expected[i] : "-") + ")");
        }
    }

    static byte[] readAll(BlockDevice dev) throws IOException {
        byte[] b = new byte[Math.toIntExact(dev.size())];
        dev.read(ByteBuffer.wrap(b), 0);
        return b;
    }

    /** Asserts that every extent the map calls zero or unallocated reads as zero. */
    static void assertMapConsistent(BlockDevice dev, byte[] content) throws IOException {
        long pos = 0;
        for (Extent e : dev.extents(0, dev.size())) {
            if (e.offset() != pos) {
                throw new AssertionError("extent gap at " + pos + ": " + e);
            }
            if (e.allocation().readsAsZero()) {
                for (long i = e.offset(); i < e.end(); i++) {
                    if (content[(int) i] != 0) {
                        throw new AssertionError("extent " + e + " says zero but byte " + i + " is " + content[(int) i]);
                    }
                }
            }
            pos = e.end();
        }
        if (pos != dev.size()) {
            throw new AssertionError("extents end at " + pos + " not " + dev.size());
        }
    }

    /** qemu-img check output as JSON, and its exit code. */
    static ReferenceTools.Result qemuCheck(Path img) {
        return ReferenceTools.run("qemu-img", "check", "--output=json", img.toString());
    }

    static void assertQemuCheckClean(Path img) {
        ReferenceTools.Result r = qemuCheck(img);
        if (r.exit() != 0 || r.stdout().contains("\"leaks\"") || r.stdout().contains("\"corruptions\"")) {
            throw new AssertionError("qemu-img check not clean:\n" + r.describe()
                    + "\n" + ReferenceTools.run("qemu-img", "check", img.toString()).stdout());
        }
    }
}
