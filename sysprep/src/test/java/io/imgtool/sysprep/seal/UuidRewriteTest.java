package io.imgtool.sysprep.seal;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.RawFileDevice;
import io.imgtool.testdata.ReferenceTools;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --new-uuids' text rewriting: whole tokens, both cases; and the in-place patch of a FAT filesystem. */
class UuidRewriteTest {

    @TempDir
    Path dir;

    static final String OLD = "4c8f7e2a-1b3d-4e5f-9a6b-7c8d9e0f1a2b";
    static final String NEW = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d";

    @Test
    void replacesWholeTokensInBothCases() {
        String cfg = "search --no-floppy --fs-uuid --set=root " + OLD + "\n"
                + "linux /vmlinuz root=UUID=" + OLD + " ro\n"
                + "UUID=" + OLD.toUpperCase() + " / ext4\n"
                + "f" + OLD + " " + OLD + "0 " + OLD + "-1\n";
        String out = UuidReferences.replace(cfg, Map.of(OLD, NEW));
        assertThat(out).isEqualTo("search --no-floppy --fs-uuid --set=root " + NEW + "\n"
                + "linux /vmlinuz root=UUID=" + NEW + " ro\n"
                + "UUID=" + NEW.toUpperCase() + " / ext4\n"
                + "f" + OLD + " " + OLD + "0 " + OLD + "-1\n");
        assertThat(UuidReferences.replace("nothing here\n", Map.of(OLD, NEW))).isEqualTo("nothing here\n");
    }

    @Test
    void patchesGrubCfgInsideAFatFilesystemWithoutBreakingIt() throws Exception {
        ReferenceTools.require("mkfs.vfat");
        ReferenceTools.require("mcopy");
        ReferenceTools.require("fsck.vfat");
        Path esp = dir.resolve("esp.img");
        try (RandomAccessFile f = new RandomAccessFile(esp.toFile(), "rw")) {
            f.setLength(33L << 20);
        }
        ReferenceTools.runOk("mkfs.vfat", "-F", "16", esp.toString());
        Path cfg = dir.resolve("grub.cfg");
        Files.writeString(cfg, "search.fs_uuid " + OLD + " root hd0,gpt1\nset prefix=($root)'/boot/grub'\n");
        ReferenceTools.runOk("mmd", "-i", esp.toString(), "::EFI", "::EFI/debian");
        ReferenceTools.runOk("mcopy", "-i", esp.toString(), cfg.toString(), "::EFI/debian/grub.cfg");
        try (BlockDevice d = RawFileDevice.open(esp, false)) {
            assertThat(EspPatch.replace(d, Map.of(OLD, NEW), true)).isEqualTo(1);
        }
        assertThat(ReferenceTools.runOk("mtype", "-i", esp.toString(), "::EFI/debian/grub.cfg").stdout()).contains(OLD);
        try (BlockDevice d = RawFileDevice.open(esp, true)) {
            assertThat(EspPatch.replace(d, Map.of(OLD, NEW), false)).isEqualTo(1);
        }
        assertThat(ReferenceTools.runOk("mtype", "-i", esp.toString(), "::EFI/debian/grub.cfg").stdout())
                .isEqualTo("search.fs_uuid " + NEW + " root hd0,gpt1\nset prefix=($root)'/boot/grub'\n");
        ReferenceTools.runOk("fsck.vfat", "-n", esp.toString());
        try (BlockDevice d = RawFileDevice.open(esp, false)) {
            assertThat(EspPatch.replace(d, Map.of(OLD, NEW), true)).isZero();
        }
    }

    @Test
    void findsAnIdAcrossTheWindowBoundary() throws Exception {
        Path f = dir.resolve("raw.img");
        byte[] b = new byte[3 << 20];
        byte[] id = OLD.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(id, 0, b, (1 << 20) - 10, id.length);      // straddles the first window's end
        System.arraycopy(id, 0, b, (2 << 20) - id.length, id.length); // ends exactly at the second's
        Files.write(f, b);
        try (BlockDevice d = RawFileDevice.open(f, true)) {
            assertThat(EspPatch.replace(d, Map.of(OLD, NEW), false)).isEqualTo(2);
        }
        String s = new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(s).doesNotContain(OLD);
        assertThat(s.indexOf(NEW)).isEqualTo((1 << 20) - 10);
    }
}
