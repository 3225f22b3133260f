package io.imgtool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.Json;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.Scratch;
import io.imgtool.testdata.Trees;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import picocli.CommandLine;

/** ls, cat, get, tar-out and fs-info on an image mkfs.ext4 made, against the reference tools. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FsCommandsTest {

    private Path work;
    private Path tree;
    private Path image;

    record Run(int exit, String out, String err, byte[] stdout) {
    }

    @BeforeAll
    void build() throws IOException {
        ReferenceTools.require("mkfs.ext4");
        work = Scratch.dir("cli-fs");
        tree = work.resolve("tree");
        Trees.build(tree, Trees.Spec.plain(5));
        image = work.resolve("fs.img");
        ReferenceTools.runOk("mkfs.ext4", "-q", "-F", "-L", "testlabel", "-d", tree.toString(), image.toString(), "32M");
    }

    private Run run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        System.setOut(new PrintStream(raw, true)); // before the commands exist: cat writes to System.out
        CommandLine cl = ImgTool.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        try {
            int code = cl.execute(args);
            return new Run(code, out.toString(), err.toString(), raw.toByteArray());
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void lsListsLikeLs() {
        Run r = run("ls", image.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out().lines().toList()).as(r.exit() + " " + r.err() + " " + new String(r.stdout())).contains("files", "links", "deep", "lost+found");
        Run l = run("ls", "-l", image.toString(), "/links");
        assertThat(l.out()).contains("lrwxrwxrwx").contains("to-file -> ../files/text.txt");
        Run m = run("ls", "-l", image.toString(), "/modes");
        assertThat(m.out()).contains("-rwsr-xr-x").contains("drwxrwxrwt").contains("----------");
        Run rec = run("ls", "-R", image.toString(), "/deep");
        assertThat(rec.out()).contains("/deep/level0/level1:").contains("bottom.txt");
        Run j = run("ls", "--json", image.toString(), "/files");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) Json.parse(j.out());
        assertThat(rows).anySatisfy(row -> {
            assertThat(row.get("path")).isEqualTo("/files/text.txt");
            assertThat(row.get("size")).isEqualTo(12L);
            assertThat(row.get("type")).isEqualTo("file");
        });
    }

    @Test
    void catWritesTheBytes() throws IOException {
        Run r = run("cat", image.toString(), "/files/size-65537");
        assertThat(r.exit()).isZero();
        assertThat(r.stdout()).isEqualTo(Files.readAllBytes(tree.resolve("files/size-65537")));
        Run viaLink = run("cat", image.toString(), "/links/absolute");
        assertThat(new String(viaLink.stdout())).isEqualTo("hello, ext4\n");
    }

    @Test
    void errorsAreOneLineWithDocumentedExitCodes() throws IOException {
        Run missing = run("cat", image.toString(), "/no/such");
        assertThat(missing.exit()).isEqualTo(ExitCodes.CORRUPT);
        assertThat(missing.err()).contains("no such file: /no/such").doesNotContain("Exception");
        Run part = run("ls", "--partition", "2", image.toString());
        assertThat(part.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(part.err()).contains("has no partition table");
        Path notFs = work.resolve("zeros.img");
        Files.write(notFs, new byte[8192]);
        Run bad = run("fs-info", notFs.toString());
        assertThat(bad.exit()).isEqualTo(ExitCodes.CORRUPT);
        assertThat(bad.err()).contains("neither an ext2/ext3/ext4 filesystem nor a partitioned disk");
        Run usage = run("ls");
        assertThat(usage.exit()).isEqualTo(ExitCodes.USAGE);
        for (String c : List.of("ls", "cat", "get", "tar-out", "fs-info")) {
            Run h = run(c, "--help");
            assertThat(h.exit()).isZero();
            assertThat(h.out()).contains("Usage: imgtool " + c);
        }
    }

    @Test
    void fsInfoAgreesWithDumpe2fs() {
        Run r = run("fs-info", image.toString());
        assertThat(r.exit()).isZero();
        String d = ReferenceTools.runOk("dumpe2fs", "-h", image.toString()).stdout();
        for (String label : List.of("Filesystem volume name", "Filesystem UUID", "Filesystem features", "Inode count",
                "Block count", "Block size", "Inodes per group", "Inode size", "Directory Hash Seed",
                "Default directory hash", "Journal inode", "Filesystem flags", "Reserved GDT blocks", "Checksum")) {
            String theirs = line(d, label);
            String ours = line(r.out(), label);
            assertThat(ours).as(label).isEqualTo(theirs);
        }
        Run j = run("fs-info", "--json", image.toString());
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) Json.parse(j.out());
        assertThat(m.get("volume_name")).isEqualTo("testlabel");
        assertThat(m.get("features").toString()).contains("has_journal", "extent", "metadata_csum");
    }

    private static String line(String text, String label) {
        return text.lines().filter(l -> l.startsWith(label + ":")).findFirst()
                .map(l -> l.substring(label.length() + 1).trim().replaceAll("\\s+", " ")).orElse(null);
    }

    @Test
    void tarOutAndGet() throws IOException {
        Path out = work.resolve("t.tar.gz");
        Files.deleteIfExists(out);
        Run r = run("tar-out", image.toString(), "/files", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        String listing = ReferenceTools.runOk("tar", "-tzvf", out.toString()).stdout();
        assertThat(listing).contains("./text.txt").contains("./size-65537");
        Run again = run("tar-out", image.toString(), out.toString());
        assertThat(again.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(again.err()).contains("already exists");

        Path dest = work.resolve("got");
        ReferenceTools.runOk("rm", "-rf", dest.toString());
        Run g = run("get", image.toString(), "/deep", dest.toString());
        assertThat(g.exit()).as(g.err()).isZero();
        assertThat(Files.readString(dest.resolve("level0/level1/level2/level3/level4/level5/level6/level7/bottom.txt")))
                .isEqualTo("the bottom\n");
        // mke2fs -d keeps whole seconds
        assertThat(Files.getLastModifiedTime(dest.resolve("level0")).toInstant().getEpochSecond())
                .isEqualTo(Files.getLastModifiedTime(tree.resolve("deep/level0")).toInstant().getEpochSecond());
    }
}
