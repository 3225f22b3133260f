package io.imgtool.qemu.iso;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imgtool.core.ImageException;
import io.imgtool.core.MemoryDevice;
import java.io.IOException;

/**
 * Jazzer: any bytes from sector 16 on (the system area before is ignored by every reader) either open
 * and read, or fail with an {@link ImageException}; never another exception, an OOM or a hang.
 * Without {@code -Pfuzz} it replays the corpus in {@code IsoImageReaderFuzzTestInputs/}.
 */
class IsoImageReaderFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void openNeverFailsUnexpectedly(FuzzedDataProvider data) throws IOException {
        byte[] tail = data.consumeRemainingAsBytes();
        byte[] img = new byte[16 * 2048 + tail.length];
        System.arraycopy(tail, 0, img, 16 * 2048, tail.length);
        try {
            IsoImageReader r = IsoImageReader.open(MemoryDevice.of(img));
            for (IsoImageReader.IsoFile f : r.files()) {
                if (!f.directory()) {
                    r.read(f);
                }
            }
        } catch (ImageException expected) {
            // corrupt or unsupported input is reported this way
        }
    }
}
