package io.imgtool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.Json;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.Scratch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * put, rm, mkdir, ln, chmod, chown, write, fs-label, fs-uuid and zero-free: on a bare filesystem
 * image and on the root partition of a partitioned disk (raw and qcow2); results checked with
 * debugfs, dumpe2fs, blkid and e2fsck -fn.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FsWriteCommandsTest {

    private Path work;
    private Path host;

    @BeforeAll
    void build() throws IOException {
        ReferenceTools.require("mkfs.ext4");
        work = Scratch.dir("cli-fs-write");
        host = Files.createDirectories(work.resolve("host"));
        Files.writeString(host.resolve("motd"), "welcome\n");
        Files.createDirectories(host.resolve("conf.d/sub"));
        Files.writeString(host.resolve("conf.d/a.conf"), "a=1\n");
        Files.write(host.resolve("conf.d/sub/sparse"), new byte[200_000]);
        Files.setAttribute(host.resolve("conf.d/a.conf"), "unix:mode", 0640);
        Files.createSymbolicLink(host.resolve("conf.d/link"), Path.of("a.conf"));
    }

    private Path bare(String name) throws IOException {
        Path img = work.resolve(name);
        Files.deleteIfExists(img);
        ReferenceTools.runOk("mkfs.ext4", "-q", "-F", img.toString(), "64M");
        return img;
    }

    private static String debugfs(Path img, String cmd) {
        return ReferenceTools.runOk("debugfs", "-R", cmd, img.toString()).stdout();
    }

    private static void clean(Path img) {
        ReferenceTools.Result r = ReferenceTools.run("e2fsck", "-fn", img.toString());
        assertThat(r.exit()).as(r.describe()).isZero();
    }

    @Test
    void everyCommandOnABareImage() throws IOException {
        Path img = bare("bare.img");
        String i = img.toString();
        assertThat(Cli.run("mkdir", "-p", i, "/etc/app/conf", "/srv").exit()).isZero();
        Cli.Run put = Cli.run("put", i, host.resolve("motd").toString(), "/etc/");
        assertThat(put.exit()).as(put.err()).isZero();
        assertThat(Cli.run("put", "--owner", "1000:1000", i, host.resolve("conf.d").toString(), "/etc/app").exit()).isZero();
        assertThat(Cli.run("write", i, "/etc/hostname", "--content", "web1\n").exit()).isZero();
        assertThat(Cli.run("write", "--append", i, "/etc/hostname", "--content", "extra\n").exit()).isZero();
        assertThat(Cli.run("ln", "-s", i, "/etc/motd", "/motd-link").exit()).isZero();
        assertThat(Cli.run("ln", i, "/etc/motd", "/srv/motd-hard").exit()).isZero();
        assertThat(Cli.run("chmod", i, "4750", "/etc/hostname").exit()).isZero();
        assertThat(Cli.run("chown", i, "33:44", "/srv").exit()).isZero();
        Cli.Run rm = Cli.run("rm", i, "/etc/app/conf");
        assertThat(rm.exit()).as(rm.err()).isZero();
        Cli.Run rmNotEmpty = Cli.run("rm", i, "/etc/app");
        assertThat(rmNotEmpty.exit()).isEqualTo(ExitCodes.IO_ERROR);
        assertThat(rmNotEmpty.err()).contains("-r");
        clean(img);

        assertThat(debugfs(img, "cat /etc/hostname")).isEqualTo("web1\nextra\n");
        assertThat(debugfs(img, "cat /etc/motd")).isEqualTo("welcome\n");
        assertThat(debugfs(img, "cat /etc/app/conf.d/a.conf")).isEqualTo("a=1\n");
        String st = debugfs(img, "stat /etc/hostname");
        assertThat(st).contains("Mode:  04750");
        String conf = debugfs(img, "stat /etc/app/conf.d/a.conf");
        assertThat(conf).contains("Mode:  0640").contains("User:  1000   Group:  1000");
        assertThat(debugfs(img, "stat /etc/app/conf.d/sub/sparse")).contains("Size: 200000").contains("Blockcount: 0");
        assertThat(debugfs(img, "stat /srv")).contains("User:    33   Group:    44");
        assertThat(debugfs(img, "stat /etc/motd")).contains("Links: 2");
        assertThat(debugfs(img, "stat /motd-link")).contains("Fast link dest: \"/etc/motd\"");
        assertThat(debugfs(img, "stat /etc/app/conf.d/link")).contains("Fast link dest: \"a.conf\"");
        assertThat(debugfs(img, "ls /etc/app")).doesNotContain("conf ").contains("conf.d");

        assertThat(Cli.run("rm", "-r", i, "/etc/app", "/motd-link").exit()).isZero();
        assertThat(Cli.run("rm", "-f", i, "/no/such").exit()).isZero();
        assertThat(Cli.run("rm", i, "/no/such").exit()).isEqualTo(ExitCodes.CORRUPT);
        assertThat(Cli.run("put", i, host.resolve("motd").toString(), "/etc/motd").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("chmod", i, "9999", "/etc").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("chown", i, "root", "/etc").exit()).isEqualTo(ExitCodes.USAGE);
        clean(img);
        assertThat(debugfs(img, "ls /")).doesNotContain("motd-link");

        Cli.Run label = Cli.run("fs-label", i, "IMAGE");
        assertThat(label.exit()).as(label.err()).isZero();
        assertThat(Cli.run("fs-label", i).out().trim()).isEqualTo("IMAGE");
        assertThat(ReferenceTools.runOk("blkid", "-p", "-o", "value", "-s", "LABEL", i).stdout().trim()).isEqualTo("IMAGE");
        assertThat(Cli.run("fs-label", i, "x".repeat(17)).exit()).isEqualTo(ExitCodes.USAGE);
        Cli.Run uuid = Cli.run("fs-uuid", "--json", i, "random");
        assertThat(uuid.exit()).as(uuid.err()).isZero();
        @SuppressWarnings("unchecked") Map<String, Object> u = (Map<String, Object>) Json.parse(uuid.out());
        assertThat(u.get("changed")).isEqualTo(true);
        assertThat(ReferenceTools.runOk("blkid", "-p", "-o", "value", "-s", "UUID", i).stdout().trim()).isEqualTo(u.get("uuid"));
        assertThat(Cli.run("fs-uuid", i).out().trim()).isEqualTo(u.get("uuid"));
        assertThat(Cli.run("fs-uuid", i, "not-a-uuid").exit()).isEqualTo(ExitCodes.USAGE);
        Cli.Run zf = Cli.run("zero-free", "--json", i);
        assertThat(zf.exit()).as(zf.err()).isZero();
        assertThat(((Number) ((Map<?, ?>) Json.parse(zf.out())).get("freeBytes")).longValue()).isGreaterThan(30L << 20);
        clean(img);
    }

    @ParameterizedTest
    @EnumSource(ImageFormat.class)
    void writeCommandsUseTheRootPartitionOfADisk(ImageFormat format) throws IOException {
        Path raw = work.resolve("disk-" + format + ".raw");
        ReferenceTools.runOk("truncate", "-s", "100M", raw.toString());
        ReferenceTools.runOk("sgdisk", "-n1:2048:+1M", "-t1:ef02", "-n2:0:0", "-t2:8300", raw.toString());
        Path root = Files.createDirectories(work.resolve("root-" + format));
        Files.createDirectories(root.resolve("usr/lib/systemd"));
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("sbin"));
        Files.writeString(root.resolve("etc/os-release"), "ID=debian\n");
        Files.writeString(root.resolve("usr/lib/systemd/systemd"), "#!/bin/false\n");
        Files.createSymbolicLink(root.resolve("sbin/init"), Path.of("/usr/lib/systemd/systemd"));
        long first = 4096;
        ReferenceTools.runOk("mkfs.ext4", "-q", "-F", "-d", root.toString(), "-E", "offset=" + first * 512,
                raw.toString(), "80M");
        Path img = format.adopt(raw);
        Cli.Run w = Cli.run("write", img.toString(), "/etc/machine-id", "--content", "");
        assertThat(w.exit()).as(w.err()).isZero();
        assertThat(Cli.run("fs-label", img.toString(), "ROOT").exit()).isZero();
        Cli.Run l = Cli.run("label", "--root", "SLX_SYS", "--fs-label", img.toString());
        assertThat(l.exit()).as(l.err()).isZero();
        assertThat(l.out()).contains("filesystem label").contains("'ROOT'").contains("'SLX_SYS'");
        Path view = format.rawView(img);
        assertThat(ReferenceTools.runOk("blkid", "-p", "-O", String.valueOf(first * 512), "-o", "value", "-s", "LABEL",
                view.toString()).stdout().trim()).isEqualTo("SLX_SYS");
        assertThat(ReferenceTools.runOk("sgdisk", "-i", "2", view.toString()).stdout()).contains("Partition name: 'SLX_SYS'");
        Path part = work.resolve("part-" + format + ".img");
        ReferenceTools.runOk("dd", "conv=sparse", "if=" + view, "of=" + part, "bs=512", "skip=" + first, "count=" + (80 * 2048),
                "status=none");
        assertThat(ReferenceTools.runOk("dumpe2fs", "-h", part.toString()).stdout())
                .contains("Filesystem volume name:   SLX_SYS");
        clean(part);
        assertThat(debugfs(part, "stat /etc/machine-id")).contains("Size: 0");
        assertThat(new String(Files.readAllBytes(root.resolve("etc/os-release")), StandardCharsets.UTF_8)).contains("debian");
    }
}
