package io.imgtool.sysprep.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.RawFileDevice;
import io.imgtool.ext4.Ext4Options;
import io.imgtool.ext4.Ext4Volume;
import io.imgtool.sysprep.Change;
import io.imgtool.sysprep.Sysprep;
import io.imgtool.sysprep.SysprepOptions;
import io.imgtool.sysprep.SysprepReport;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.sysprep.sample.UsedGuestTree;
import io.imgtool.testdata.Scratch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The sealing operations run unchanged on imgtool's writable ext4 FileSystem: the default operation
 * set on an image mkfs.ext4 -d made from a used guest records the same changes as on a host copy of
 * the tree, e2fsck -fn finds nothing afterwards, debugfs no longer finds what was removed and still
 * finds what stays, and with scrubbing the removed files' bytes are gone from the image.
 */
class Ext4SealTest {

    private static String debugfs(Path img, String cmd) {
        ReferenceTools.Result r = ReferenceTools.run("debugfs", "-R", cmd, img.toString());
        return r.stdout() + r.stderr();
    }

    private static List<String> changes(SysprepReport r) {
        return r.changes().stream().map(c -> c.kind() + " " + c.path() + " [" + c.operation() + "]").sorted()
                .collect(Collectors.toList());
    }

    @ParameterizedTest
    @EnumSource(UsedGuestTree.Flavour.class)
    void defaultOperationsOnExt4(UsedGuestTree.Flavour f) throws IOException {
        ReferenceTools.require("mkfs.ext4");
        ReferenceTools.require("debugfs");
        Path work = Scratch.dir("ext4-seal-" + f);
        Path tree = Files.createDirectories(work.resolve("tree"));
        UsedGuestTree g = f == UsedGuestTree.Flavour.DEBIAN ? UsedGuestTree.debian() : UsedGuestTree.rhel();
        g.build(tree);
        Path img = work.resolve("guest.img");
        ReferenceTools.runOk("mkfs.ext4", "-q", "-F", "-d", tree.toString(), img.toString(), "64M");
        // The same seal on a host copy of the tree, for the expected change list.
        Path hostCopy = work.resolve("host");
        ReferenceTools.runOk("cp", "-a", tree.toString(), hostCopy.toString());
        SysprepReport expected = Sysprep.builder().root(hostCopy)
                .options(SysprepOptions.builder().random(new Random(1)).build()).run();

        SysprepReport actual;
        try (Ext4Volume vol = Ext4Volume.openOwning(RawFileDevice.open(img, true),
                Ext4Options.builder().writable(true).build())) {
            actual = Sysprep.builder().root(vol.fileSystem().getPath("/"))
                    .options(SysprepOptions.builder().random(new Random(1)).scrub(true, vol::scrubFile).build()).run();
        }
        List<String> got = changes(actual).stream().filter(c -> !c.startsWith("SCRUBBED")).toList();
        assertThat(got).isEqualTo(changes(expected));
        assertThat(actual.changes().stream().filter(c -> c.kind() == Change.Kind.SCRUBBED).count()).isPositive();
        ReferenceTools.Result fsck = ReferenceTools.run("e2fsck", "-fn", img.toString());
        assertThat(fsck.exit()).as(fsck.describe()).isZero();

        for (String p : SealOperationsTest.COMMON_REMOVED) {
            assertThat(debugfs(img, "stat " + p)).as(p).contains("File not found");
        }
        for (String p : SealOperationsTest.COMMON_KEPT) {
            assertThat(debugfs(img, "stat " + p)).as(p).doesNotContain("File not found");
        }
        assertThat(debugfs(img, "stat /etc/machine-id")).contains("Size: 0");
        // Scrubbed: the shell history that was removed leaves no trace in the image's bytes.
        byte[] all = Files.readAllBytes(img);
        String text = new String(all, StandardCharsets.ISO_8859_1);
        assertThat(text).doesNotContain("cat /etc/shadow\nhistory -c").doesNotContain("sudo -i\nssh db1");
        assertThat(text).contains("canary: must survive");
    }
}
