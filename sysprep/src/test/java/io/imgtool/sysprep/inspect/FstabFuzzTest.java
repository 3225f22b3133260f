package io.imgtool.sysprep.inspect;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imgtool.core.ImageFormatException;
import io.imgtool.gpt.FilesystemProbe;
import java.util.List;

/**
 * Jazzer: a guest's /etc/fstab is hostile input. Parsing either succeeds or throws
 * ImageFormatException; every parsed entry's device spec is then resolved against partitions without
 * failing. Without {@code -Pfuzz} this replays the seed corpus in {@code FstabFuzzTestInputs/}.
 */
class FstabFuzzTest {

    static final List<GuestPartition> PARTS = List.of(
            new GuestPartition(1, 1 << 20, 1 << 20, "Linux filesystem", "", "root", "6e2c1b7a-3f4d-4e5a-9b8c-7d6e5f4a3b2c",
                    new FilesystemProbe.Info("ext4", "root", "4c8f7e2a-1b3d-4e5f-9a6b-7c8d9e0f1a2b")),
            new GuestPartition(15, 2 << 20, 1 << 20, "EFI System", "", "", "00000000-0000-0000-0000-00000000000f",
                    new FilesystemProbe.Info("vfat", "EFI", "A1B2-C3D4")));

    @FuzzTest(maxDuration = "30s")
    void parseNeverFailsUnexpectedly(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        try {
            Fstab f = Fstab.parse(text, "/etc/fstab");
            for (Fstab.Entry e : f.entries()) {
                DeviceSpec.find(e.spec(), PARTS, PARTS.get(0));
                e.virtual();
                e.nofail();
            }
        } catch (ImageFormatException expected) {
            // malformed input is reported this way
        }
    }
}
