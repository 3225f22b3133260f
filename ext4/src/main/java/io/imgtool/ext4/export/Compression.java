package io.imgtool.ext4.export;

import io.airlift.compress.zstd.ZstdOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

/** Compression of a tar stream, chosen by the output file's name (.tar, .tar.gz/.tgz, .tar.xz, .tar.zst). */
public enum Compression {
    NONE,
    GZIP,
    XZ,
    ZSTD;

    public static Compression forFileName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".gz") || n.endsWith(".tgz")) {
            return GZIP;
        }
        if (n.endsWith(".xz") || n.endsWith(".txz")) {
            return XZ;
        }
        if (n.endsWith(".zst") || n.endsWith(".zstd") || n.endsWith(".tzst")) {
            return ZSTD;
        }
        return NONE;
    }

    /** Wraps {@code out}; closing the result finishes the compressed stream and closes {@code out}. */
    public OutputStream wrap(OutputStream out) throws IOException {
        return switch (this) {
            case NONE -> out;
            case GZIP -> new GZIPOutputStream(out, 1 << 16);
            case XZ -> new XZOutputStream(out, new LZMA2Options(6));
            case ZSTD -> new ZstdOutputStream(out);
        };
    }
}
