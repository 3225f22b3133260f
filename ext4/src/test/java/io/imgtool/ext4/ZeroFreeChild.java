package io.imgtool.ext4;

import io.imgtool.core.RawFileDevice;
import java.nio.file.Path;

/**
 * The child process of {@link ZeroFreeNativeTest}, run on Java 22 or newer where the raw file's
 * zeroing goes through fallocate: {@code zero-free IMAGE [discard]}; prints the free bytes.
 */
public final class ZeroFreeChild {

    public static void main(String[] args) throws Exception {
        boolean discard = args.length > 1 && args[1].equals("discard");
        RawFileDevice.prepareHoleCalls();
        try (Ext4Volume vol = Ext4Volume.openOwning(RawFileDevice.open(Path.of(args[0]), true),
                Ext4Options.builder().writable(true).build())) {
            System.out.println(vol.zeroFree(discard));
        }
    }
}
