package io.imgtool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.Json;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.Scratch;
import io.imgtool.testdata.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** {@code imgtool mkfs} on new raw and qcow2 images and on a GPT partition, checked by e2fsck and dumpe2fs. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MkfsCommandTest {

    private Path work;
    private Path tree;

    @BeforeAll
    void build() throws IOException {
        ReferenceTools.require("e2fsck");
        work = Scratch.dir("cli-mkfs");
        tree = work.resolve("tree");
        Trees.build(tree, Trees.Spec.plain(9));
    }

    private static void fsck(Path img) {
        ReferenceTools.Result r = ReferenceTools.run("e2fsck", "-fn", img.toString());
        assertThat(r.exit()).as(r.describe()).isZero();
    }

    @Test
    void newRawImageFromADirectoryWithJson() throws IOException {
        Path img = work.resolve("new.img");
        Cli.Run r = Cli.run("mkfs", "--from", tree.toString(), "--label", "rootfs", "--uuid",
                "11111111-2222-4333-8444-555555555555", "--size", "96M", "--json", img.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        @SuppressWarnings("unchecked")
        Map<String, Object> j = (Map<String, Object>) Json.parse(r.out());
        assertThat(j.get("uuid")).isEqualTo("11111111-2222-4333-8444-555555555555");
        assertThat(j.get("block_size")).isEqualTo(1024L);
        assertThat(((Number) j.get("files")).longValue()).isGreaterThan(300);
        assertThat(Files.size(img)).isEqualTo(96L << 20);
        fsck(img);
        String head = ReferenceTools.runOk("dumpe2fs", "-h", img.toString()).stdout();
        assertThat(head).contains("Filesystem volume name:   rootfs").contains("11111111-2222-4333-8444-555555555555");
        // The filesystem commands read it back.
        Cli.Run ls = Cli.run("ls", img.toString(), "/links");
        assertThat(ls.exit()).as(ls.err()).isZero();
        assertThat(ls.out()).contains("to-file");
        // An existing image is formatted again in place, with options.
        Cli.Run again = Cli.run("mkfs", "-b", "4096", "-O", "^metadata_csum,^64bit", "-N", "5000", img.toString());
        assertThat(again.exit()).as(again.err()).isZero();
        fsck(img);
        assertThat(ReferenceTools.runOk("dumpe2fs", "-h", img.toString()).stdout()).doesNotContain("metadata_csum")
                .contains("Block size:               4096");
    }

    @Test
    void newQcow2Image() throws IOException {
        ReferenceTools.require("qemu-img");
        Path img = work.resolve("new.qcow2");
        Cli.Run r = Cli.run("mkfs", "--from", tree.toString(), "--size", "200M", "--reproducible", img.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        ReferenceTools.runOk("qemu-img", "check", img.toString());
        Path raw = work.resolve("from-qcow2.img");
        ReferenceTools.runOk("qemu-img", "convert", "-O", "raw", img.toString(), raw.toString());
        fsck(raw);
    }

    @Test
    void partitionOfADisk() throws IOException {
        ReferenceTools.require("sgdisk");
        Path disk = work.resolve("disk.img");
        Files.deleteIfExists(disk);
        ReferenceTools.runOk("truncate", "-s", "128M", disk.toString());
        ReferenceTools.runOk("sgdisk", "-n", "1:2048:+16M", "-n", "2:0:0", "-c", "2:SLX_SYS", disk.toString());
        Cli.Run r = Cli.run("mkfs", "--from", tree.toString(), "--label", "part2", disk + ":2");
        assertThat(r.exit()).as(r.err()).isZero();
        String info = ReferenceTools.runOk("sgdisk", "-i", "2", disk.toString()).stdout();
        long first = Long.parseLong(info.replaceAll("(?s).*First sector: (\\d+).*", "$1"));
        long last = Long.parseLong(info.replaceAll("(?s).*Last sector: (\\d+).*", "$1"));
        Path part = work.resolve("part2.img");
        ReferenceTools.runOk("dd", "conv=sparse", "if=" + disk, "of=" + part, "bs=512", "skip=" + first, "count=" + (last - first + 1),
                "status=none");
        fsck(part);
        assertThat(ReferenceTools.runOk("dumpe2fs", "-h", part.toString()).stdout()).contains("part2");
        ReferenceTools.runOk("sgdisk", "-v", disk.toString());
        Cli.Run bad = Cli.run("mkfs", disk + ":7");
        assertThat(bad.exit()).isEqualTo(ExitCodes.USAGE);
        Cli.Run missing = Cli.run("mkfs", work.resolve("nope.img").toString());
        assertThat(missing.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(missing.err()).contains("--size");
    }
}
