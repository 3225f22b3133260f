package io.imgtool.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.testdata.ReferenceTools;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The overlay mechanism: writes land in the overlay, commit copies them into the base, discard drops them. */
class QemuImgOverlayTest {

    @TempDir
    Path dir;

    private static void writeThrough(Path overlay, long offset, String pattern) {
        ReferenceTools.runOk("qemu-io", "-f", "qcow2", "-c", "write -P " + pattern + " " + offset + " 65536",
                overlay.toString());
    }

    @Test
    void commitCopiesTheChangesDiscardDropsThem() throws Exception {
        ReferenceTools.require("qemu-img");
        for (DiskFormat f : DiskFormat.values()) {
            Path base = dir.resolve("base." + f.qemuName());
            ReferenceTools.runOk("qemu-img", "create", "-q", "-f", f.qemuName(), base.toString(), "4M");
            assertThat(DiskFormat.detect(base)).isEqualTo(f);
            byte[] before = Files.readAllBytes(base);

            Overlay dropped = QemuImgOverlay.factory(null).create(base, f, dir.resolve("o1.qcow2"));
            writeThrough(dropped.file(), 65536, "0x5a");
            dropped.discard();
            dropped.discard();
            assertThat(dropped.file()).doesNotExist();
            assertThat(Files.readAllBytes(base)).isEqualTo(before);

            Overlay kept = QemuImgOverlay.factory(null).create(base, f, dir.resolve("o2.qcow2"));
            writeThrough(kept.file(), 131072, "0xa5");
            kept.commit();
            assertThat(kept.file()).doesNotExist();
            ReferenceTools.runOk("qemu-io", "-f", f.qemuName(), "-c", "read -P 0xa5 131072 65536", base.toString());
            ReferenceTools.runOk("qemu-io", "-f", f.qemuName(), "-c", "read -P 0 65536 65536", base.toString());
        }
    }
}
