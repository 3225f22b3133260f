package io.imgtool.bench;

import io.imgtool.core.RawFileDevice;
import io.imgtool.ext4.Ext4Options;
import io.imgtool.ext4.Ext4Volume;
import io.imgtool.sysprep.Sysprep;
import io.imgtool.sysprep.SysprepOptions;
import io.imgtool.sysprep.SysprepReport;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What the ext4 write benchmark times against virt-sysprep: open a bare ext4 image for writing, run
 * the default sealing operations on it, set the volume label, close (every change committed through
 * the journal). Run in a fresh JVM, so the JVM start is part of the figure.
 *
 * <pre>java -cp imgtool.jar:bench/classes io.imgtool.bench.Ext4SealBench IMAGE LABEL</pre>
 */
public final class Ext4SealBench {

    private Ext4SealBench() {
    }

    public static void main(String[] args) throws IOException {
        Path image = Path.of(args[0]);
        long t0 = System.nanoTime();
        SysprepReport r;
        try (Ext4Volume vol = Ext4Volume.openOwning(RawFileDevice.open(image, true),
                Ext4Options.builder().writable(true).build())) {
            r = Sysprep.builder().root(vol.fileSystem().getPath("/")).options(SysprepOptions.defaults()).run();
            vol.setLabel(args.length > 1 ? args[1] : "IMAGE");
        }
        System.out.printf("sealed %s: %d operations, %d changes, %.3f s in the JVM%n", r.os().prettyName(),
                r.operations().size(), r.changes().size(), (System.nanoTime() - t0) / 1e9);
    }
}
