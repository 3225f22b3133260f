package io.imgtool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.Scratch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import picocli.CommandLine;

/**
 * IMAGE addressing of the filesystem commands and root detection of {@code label --root} on a disk
 * made by sgdisk + mkfs.ext4: BIOS boot, a Linux data partition, and a Linux partition that holds
 * a root filesystem (os-release and /sbin/init). Both Linux partitions have the same type, so only
 * looking inside tells them apart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PartitionedImageTest {

    private Path work;
    private Path raw;

    record Run(int exit, String out, String err) {
    }

    @BeforeAll
    void build() throws IOException {
        work = Scratch.dir("cli-partitioned");
        Path data = Files.createDirectories(work.resolve("data"));
        Files.writeString(data.resolve("payload.txt"), "data partition\n");
        Path root = Files.createDirectories(work.resolve("root"));
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("usr/lib/systemd"));
        Files.createDirectories(root.resolve("sbin"));
        Files.writeString(root.resolve("usr/lib/os-release"), "ID=debian\nVERSION_ID=12\n");
        Files.createSymbolicLink(root.resolve("etc/os-release"), Path.of("../usr/lib/os-release"));
        Files.writeString(root.resolve("usr/lib/systemd/systemd"), "#!/bin/false\n");
        Files.createSymbolicLink(root.resolve("sbin/init"), Path.of("/usr/lib/systemd/systemd"));
        raw = work.resolve("disk.raw");
        ReferenceTools.runOk("truncate", "-s", "200M", raw.toString());
        ReferenceTools.runOk("sgdisk", "-n1:2048:+1M", "-t1:ef02", "-n2:0:+80M", "-t2:8300", "-c2:data",
                "-n3:0:+80M", "-t3:8300", raw.toString());
        mkfsInto(2, data);
        mkfsInto(3, root);
    }

    private void mkfsInto(int partition, Path tree) {
        String info = ReferenceTools.runOk("sgdisk", "-i", String.valueOf(partition), raw.toString()).stdout();
        long first = info.lines().filter(l -> l.startsWith("First sector:")).map(l -> Long.parseLong(l.split("\\s+")[2]))
                .findFirst().orElseThrow();
        ReferenceTools.runOk("mkfs.ext4", "-q", "-F", "-d", tree.toString(), "-E", "offset=" + first * 512,
                raw.toString(), "80M");
    }

    private Run run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        System.setOut(new PrintStream(stdout, true));
        CommandLine cl = ImgTool.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        try {
            int code = cl.execute(args);
            return new Run(code, out + stdout.toString(), err.toString());
        } finally {
            System.setOut(old);
        }
    }

    private Path image(ImageFormat format, String name) throws IOException {
        Path copy = work.resolve(name + ".raw");
        Scratch.copy(raw, copy);
        return format.adopt(copy);
    }

    @ParameterizedTest
    @EnumSource(ImageFormat.class)
    void filesystemCommandsFindTheRootPartitionOrTheOneNamed(ImageFormat format) throws IOException {
        Path img = image(format, "ls-" + format);
        Run def = run("ls", img.toString(), "/etc");
        assertThat(def.exit()).as(def.err()).isZero();
        assertThat(def.out()).contains("os-release");
        Run cat = run("cat", img.toString(), "/etc/os-release");
        assertThat(cat.out()).contains("ID=debian");
        Run byNumber = run("ls", "--partition", "2", img.toString());
        assertThat(byNumber.out()).contains("payload.txt");
        Run byName = run("cat", "--partlabel", "data", img.toString(), "/payload.txt");
        assertThat(byName.out()).isEqualTo("data partition\n");
        Run missing = run("ls", "--partlabel", "nope", img.toString());
        assertThat(missing.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(missing.err()).contains("no partition is named 'nope'");
        Run bios = run("ls", "--partition", "1", img.toString());
        assertThat(bios.exit()).isEqualTo(ExitCodes.CORRUPT);
    }

    @ParameterizedTest
    @EnumSource(ImageFormat.class)
    void labelRootLooksInsideTheFilesystems(ImageFormat format) throws IOException {
        Path img = image(format, "label-" + format);
        Run r = run("label", "--root", "SLX_SYS", img.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("partition 3").contains("root filesystem");
        Path view = format.rawView(img);
        ReferenceTools.runOk("sgdisk", "-v", view.toString());
        assertThat(ReferenceTools.runOk("sgdisk", "-i", "3", view.toString()).stdout())
                .contains("Partition name: 'SLX_SYS'");
        assertThat(ReferenceTools.runOk("sgdisk", "-i", "2", view.toString()).stdout())
                .contains("Partition name: 'data'");
    }
}
