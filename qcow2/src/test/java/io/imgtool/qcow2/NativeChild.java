package io.imgtool.qcow2;

import io.imgtool.core.BlockDevice;
import io.imgtool.qcow2.internal.Codec;
import java.nio.file.Path;

/**
 * The child process of {@link NativePathsTest}, run on Java 22 or newer: converts {@code args[0]}
 * (raw) to {@code args[1]} (qcow2, zstd-compressed when {@code args[2]} is "zstd") and back to raw
 * {@code args[3]}, and prints what it used: "native-zstd=BOOL read=BYTES".
 */
public final class NativeChild {

    public static void main(String[] args) throws Exception {
        boolean zstd = args[2].equals("zstd");
        ImageConverter.Result r;
        try (BlockDevice src = DiskImage.open(Path.of(args[0]), DiskImage.Format.RAW, false)) {
            r = ImageConverter.convert(src, Path.of(args[1]), ImageConverter.Options.qcow2(Qcow2Options.builder().size(0)
                    .compression(zstd ? Qcow2Options.Compression.ZSTD : Qcow2Options.Compression.DEFLATE).build(), zstd));
        }
        try (BlockDevice q = DiskImage.open(Path.of(args[1]), false)) {
            ImageConverter.convert(q, Path.of(args[3]), ImageConverter.Options.raw());
        }
        System.out.println("native-zstd=" + Codec.nativeZstd() + " read=" + r.bytesRead());
    }
}
