package io.imgtool.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.testdata.ReferenceTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * imgtool's own overlays: QEMU (qemu-io) writes data, zeroes and discards through one; committed by
 * imgtool, the base equals the same base after the same writes through a qemu-img overlay committed
 * by {@code qemu-img commit} (qemu-img compare), and a qcow2 base passes {@code qemu-img check}.
 */
class Qcow2OverlayTest {

    @TempDir
    Path dir;

    /** Guest writes as qemu-io commands: data, zero writes (unaligned too), discards, a write past 2 MiB. */
    private static final List<String> WRITES = List.of(
            "write -P 0xa5 131072 65536",
            "write -P 0x11 1000 3000",
            "write -z 262144 131072",
            "write -z 500000 70000",
            "discard 1048576 65536",
            "write -P 0x77 3145728 1048576",
            "write -P 0x33 4128768 65536");

    private static void qemuIo(Path img, List<String> commands) {
        String[] cmd = new String[4 + commands.size() * 2];
        int i = 0;
        cmd[i++] = "qemu-io";
        cmd[i++] = "-f";
        cmd[i++] = "qcow2";
        for (String c : commands) {
            cmd[i++] = "-c";
            cmd[i++] = c;
        }
        cmd[i] = img.toString();
        ReferenceTools.runOk(cmd);
    }

    private Path base(DiskFormat f, String name) {
        Path base = dir.resolve(name + "." + f.qemuName());
        ReferenceTools.runOk("qemu-img", "create", "-q", "-f", f.qemuName(), base.toString(), "4M");
        ReferenceTools.runOk("qemu-io", "-f", f.qemuName(), "-c", "write -P 0x5c 0 4M", base.toString());
        return base;
    }

    @Test
    void commitEqualsQemuImgCommit() throws Exception {
        ReferenceTools.require("qemu-img");
        for (DiskFormat f : DiskFormat.values()) {
            Path ours = base(f, "ours");
            Path theirs = dir.resolve("theirs." + f.qemuName());
            Files.copy(ours, theirs, StandardCopyOption.REPLACE_EXISTING);

            Overlay o = Qcow2Overlay.factory(QemuImgOverlay.factory(null)).create(ours, f, dir.resolve("o.qcow2"));
            assertThat(o).isInstanceOf(Qcow2Overlay.class);
            ReferenceTools.runOk("qemu-img", "check", o.file().toString());
            qemuIo(o.file(), WRITES);
            o.commit();
            assertThat(o.file()).doesNotExist();

            Overlay q = QemuImgOverlay.factory(null).create(theirs, f, dir.resolve("q.qcow2"));
            qemuIo(q.file(), WRITES);
            q.commit();

            ReferenceTools.runOk("qemu-img", "compare", "-f", f.qemuName(), "-F", f.qemuName(),
                    ours.toString(), theirs.toString());
            if (f == DiskFormat.QCOW2) {
                ReferenceTools.Result r = ReferenceTools.run("qemu-img", "check", ours.toString());
                assertThat(r.exit()).as(r.describe()).isZero();
            }
            ReferenceTools.runOk("qemu-io", "-f", f.qemuName(), "-c", "read -P 0 262144 131072",
                    "-c", "read -P 0x5c 2097152 65536", ours.toString());
        }
    }

    @Test
    void discardLeavesTheBaseUnchanged() throws Exception {
        ReferenceTools.require("qemu-img");
        Path b = base(DiskFormat.QCOW2, "kept");
        byte[] before = Files.readAllBytes(b);
        Overlay o = Qcow2Overlay.create(b, DiskFormat.QCOW2, dir.resolve("d.qcow2"));
        qemuIo(o.file(), WRITES);
        o.discard();
        o.discard();
        assertThat(o.file()).doesNotExist();
        assertThat(Files.readAllBytes(b)).isEqualTo(before);
    }

    @Test
    void basesImgtoolCannotWriteGetQemuImgOverlays() throws Exception {
        ReferenceTools.require("qemu-img");
        Path snap = base(DiskFormat.QCOW2, "snap");
        ReferenceTools.runOk("qemu-img", "snapshot", "-c", "s1", snap.toString());
        assertThat(Qcow2Overlay.unsupportedReason(snap, DiskFormat.QCOW2)).contains("snapshots");
        Overlay o = Qcow2Overlay.factory(QemuImgOverlay.factory(null)).create(snap, DiskFormat.QCOW2,
                dir.resolve("s.qcow2"));
        assertThat(o).isInstanceOf(QemuImgOverlay.class);
        o.discard();

        Path bitmap = base(DiskFormat.QCOW2, "bitmap");
        ReferenceTools.runOk("qemu-img", "bitmap", "--add", bitmap.toString(), "b0");
        assertThat(Qcow2Overlay.unsupportedReason(bitmap, DiskFormat.QCOW2)).contains("bitmaps");
        assertThat(Qcow2Overlay.unsupportedReason(base(DiskFormat.RAW, "raw"), DiskFormat.RAW)).isNull();
    }
}
