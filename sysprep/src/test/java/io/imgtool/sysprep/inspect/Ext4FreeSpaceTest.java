package io.imgtool.sysprep.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.Extent;
import io.imgtool.core.RawFileDevice;
import io.imgtool.testdata.ReferenceTools;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The free-space reader against dumpe2fs's "Free blocks:" lists, on mke2fs layouts with files written and removed. */
class Ext4FreeSpaceTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void tools() {
        ReferenceTools.require("mke2fs");
        ReferenceTools.require("dumpe2fs");
        ReferenceTools.require("debugfs");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-t ext4", "-t ext4 -b 1024", "-t ext4 -O ^flex_bg", "-t ext4 -O meta_bg,^resize_inode",
            "-t ext4 -O ^metadata_csum,uninit_bg", "-t ext4 -O ^metadata_csum,^uninit_bg", "-t ext3", "-t ext2 -b 2048",
            "-t ext4 -G 4 -g 1024 -b 1024"})
    void freeRangesEqualDumpe2fs(String options) throws Exception {
        Path img = dir.resolve("fs.img");
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("a/b"));
        for (int i = 0; i < 40; i++) {
            Files.write(tree.resolve("a/b/f" + i), new byte[(i + 1) * 3000]);
        }
        List<String> cmd = new ArrayList<>(List.of("mke2fs", "-q", "-F"));
        cmd.addAll(List.of(options.split(" ")));
        cmd.addAll(List.of("-d", tree.toString(), img.toString(), "48M"));
        ReferenceTools.runOk(cmd.toArray(String[]::new));
        // Remove some files so that free space is fragmented.
        StringBuilder script = new StringBuilder();
        for (int i = 0; i < 40; i += 3) {
            script.append("rm /a/b/f").append(i).append('\n');
        }
        Path s = dir.resolve("script");
        Files.writeString(s, script);
        ReferenceTools.runOk("debugfs", "-w", "-f", s.toString(), img.toString());
        ReferenceTools.runOk("e2fsck", "-fy", img.toString());   // settle the counts debugfs left
        Ext4FreeSpace.Result r;
        try (RawFileDevice dev = RawFileDevice.open(img, false)) {
            r = Ext4FreeSpace.read(dev);
        }
        assertThat(r.skipped()).isEmpty();
        assertThat(r.problems()).isEmpty();
        List<long[]> expected = dumpe2fsFree(img);
        int bs = blockSize(img);
        List<long[]> ours = new ArrayList<>();
        for (Extent e : r.free()) {
            ours.add(new long[] {e.offset() / bs, (e.end() / bs) - 1});
        }
        assertThat(ours).usingElementComparator((a, b) -> a[0] == b[0] && a[1] == b[1] ? 0 : 1)
                .containsExactlyElementsOf(expected);
        long freeBlocks = expected.stream().mapToLong(x -> x[1] - x[0] + 1).sum();
        assertThat(r.freeBytes()).isEqualTo(freeBlocks * bs);
    }

    @Test
    void refusesAFilesystemThatIsNotClean() throws Exception {
        Path img = dir.resolve("fs.img");
        ReferenceTools.runOk("mke2fs", "-q", "-F", "-t", "ext4", img.toString(), "16M");
        setState(img, 0);   // s_state: not clean
        try (RawFileDevice dev = RawFileDevice.open(img, false)) {
            Ext4FreeSpace.Result r = Ext4FreeSpace.read(dev);
            assertThat(r.free()).isEmpty();
            assertThat(r.skipped()).contains("not marked clean");
        }
    }

    @Test
    void aGroupWhoseCountDisagreesIsLeftAsItIs() throws Exception {
        Path img = dir.resolve("fs.img");
        ReferenceTools.runOk("mke2fs", "-q", "-F", "-t", "ext4", "-O", "^metadata_csum,^uninit_bg", img.toString(), "32M");
        // Mark one free block of group 0 used in the bitmap behind the descriptor's back.
        String d = ReferenceTools.runOk("dumpe2fs", img.toString()).stdout();
        Matcher m = Pattern.compile("Block bitmap at (\\d+)").matcher(d);
        assertThat(m.find()).isTrue();
        long bitmapBlock = Long.parseLong(m.group(1));
        int bs = blockSize(img);
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(bs);
            ch.read(b, bitmapBlock * bs);
            // the last byte of the bitmap of a mostly empty group is free
            b.put(bs - 1, (byte) 0x01);
            ch.write(b.flip(), bitmapBlock * bs);
        }
        try (RawFileDevice dev = RawFileDevice.open(img, false)) {
            Ext4FreeSpace.Result r = Ext4FreeSpace.read(dev);
            assertThat(r.problems()).singleElement().asString().contains("group 0");
            String h = ReferenceTools.runOk("dumpe2fs", "-h", img.toString()).stdout();
            Matcher g = Pattern.compile("Blocks per group:\\s+(\\d+)").matcher(h);
            assertThat(g.find()).isTrue();
            long group1 = (Long.parseLong(g.group(1)) + (bs == 1024 ? 1 : 0)) * bs;
            assertThat(r.free()).isNotEmpty().allMatch(e -> e.offset() >= group1);
        }
    }

    static void setState(Path img, int state) throws IOException {
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {(byte) state, 0}), 1024 + 0x3A);
        }
        // keep the superblock checksum right
        ReferenceTools.run("debugfs", "-w", "-R", "ssv checksum calc", img.toString());
    }

    static int blockSize(Path img) {
        Matcher m = Pattern.compile("Block size:\\s+(\\d+)").matcher(ReferenceTools.runOk("dumpe2fs", "-h", img.toString()).stdout());
        assertThat(m.find()).isTrue();
        return Integer.parseInt(m.group(1));
    }

    /** Every "Free blocks:" range of dumpe2fs, merged across groups. */
    static List<long[]> dumpe2fsFree(Path img) {
        String out = ReferenceTools.runOk("dumpe2fs", img.toString()).stdout();
        List<long[]> ranges = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\s+Free blocks: (.*)$").matcher(out);
        while (m.find()) {
            String list = m.group(1).strip();
            if (list.isEmpty()) {
                continue;
            }
            for (String r : list.split(", ")) {
                String[] ab = r.split("-");
                long a = Long.parseLong(ab[0]);
                long b = ab.length > 1 ? Long.parseLong(ab[1]) : a;
                if (!ranges.isEmpty() && ranges.get(ranges.size() - 1)[1] + 1 == a) {
                    ranges.get(ranges.size() - 1)[1] = b;
                } else {
                    ranges.add(new long[] {a, b});
                }
            }
        }
        return ranges;
    }
}
