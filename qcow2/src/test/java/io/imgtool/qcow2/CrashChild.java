package io.imgtool.qcow2;

import io.imgtool.core.BlockDevice;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * The child process of {@link Qcow2CrashTest}: converts a raw file into qcow2 (compressed or not),
 * then writes, zeroes and discards at random until it is killed.
 */
public final class CrashChild {

    public static void main(String[] args) throws Exception {
        Path raw = Path.of(args[0]);
        Path out = Path.of(args[1]);
        boolean compress = Boolean.parseBoolean(args[2]);
        long seed = Long.parseLong(args[3]);
        int cluster = Integer.parseInt(args[4]);
        try (BlockDevice src = DiskImage.open(raw, false)) {
            ImageConverter.convert(src, out, ImageConverter.Options.qcow2(
                    Qcow2Options.builder().size(0).clusterSize(cluster).build(), compress));
        }
        System.out.println("converted");
        System.out.flush();
        Random r = new Random(seed);
        long size = Files.size(raw);
        try (Qcow2Image img = Qcow2Image.open(out, true)) {
            for (long i = 0; ; i++) {
                long off = (r.nextLong() & Long.MAX_VALUE) % size;
                int len = (int) Math.min(size - off, 1 + r.nextInt(1 << 20));
                switch (r.nextInt(4)) {
                    case 0, 1 -> {
                        byte[] d = new byte[len];
                        r.nextBytes(d);
                        img.write(ByteBuffer.wrap(d), off);
                    }
                    case 2 -> img.writeZeroes(off, len);
                    default -> img.discard(off, len);
                }
                if (i % 7 == 0) {
                    img.flush();
                }
                if (i % 50 == 49) {
                    img.resize(size + (i % 3) * 65536);
                }
            }
        }
    }
}
