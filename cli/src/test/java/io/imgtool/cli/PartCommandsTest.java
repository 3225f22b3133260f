package io.imgtool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.Json;
import io.imgtool.testdata.ReferenceTools;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code part} commands end to end on raw images, checked with sgdisk and sfdisk. */
class PartCommandsTest {

    @TempDir
    Path dir;

    private Path image(String name, long size) throws Exception {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    private static Cli.Run ok(String... args) {
        Cli.Run r = Cli.run(args);
        assertThat(r.exit()).as("imgtool %s\nout: %s\nerr: %s", String.join(" ", args), r.out(), r.err()).isZero();
        return r;
    }

    private static void sgdiskAccepts(Path img) {
        ReferenceTools.Result r = ReferenceTools.run("sgdisk", "-v", img.toString());
        assertThat(r.stdout()).as(r.describe()).contains("No problems found");
        assertThat(r.stdout() + r.stderr()).as(r.describe()).doesNotContain("Warning").doesNotContain("Problem");
    }

    @Test
    void buildEditAndListATable() throws Exception {
        Path img = image("disk.img", 256L << 20);
        String i = img.toString();
        ok("part", "create", i, "--disk-guid", "11111111-2222-4333-8444-555555555555");
        ok("part", "add", i, "--number", "14", "--size", "3M", "-t", "bios-boot");
        ok("part", "add", i, "--number", "15", "--size", "124M", "-t", "esp", "-c", "EFI");
        ok("part", "add", i, "--number", "1", "-t", "root-x86-64", "-c", "root", "-A", "legacy-bios-bootable,60",
                "-u", "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE");
        sgdiskAccepts(img);
        String info = ReferenceTools.runOk("sgdisk", "-i", "1", i).stdout();
        assertThat(info).contains("4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709").contains("AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE")
                .contains("Partition name: 'root'").contains("Attribute flags: 1000000000000004")
                .contains("First sector: 262144");

        ok("part", "name", i, "1", "SLX_SYS");
        ok("part", "type", i, "1", "8300");
        ok("part", "attr", i, "1", "--clear", "read-only", "--set", "no-automount");
        assertThat(ok("part", "attr", i, "1").out()).contains("0x8000000000000004")
                .contains("legacy-bios-bootable, no-automount");
        ok("part", "resize", i, "15", "--size", "100M");
        ok("part", "guid", i, "--set", "99999999-2222-4333-8444-555555555555");
        sgdiskAccepts(img);
        assertThat(ReferenceTools.runOk("sgdisk", "-i", "1", i).stdout()).contains("Partition name: 'SLX_SYS'")
                .contains("0FC63DAF-8483-4772-8E79-3D69D8477DE4").contains("Attribute flags: 8000000000000004");
        assertThat(ReferenceTools.runOk("sgdisk", "-p", i).stdout())
                .contains("Disk identifier (GUID): 99999999-2222-4333-8444-555555555555");

        Cli.Run list = ok("part", "list", i);
        assertThat(list.out()).contains("SLX_SYS").contains("BIOS boot").contains("EFI System")
                .contains("legacy-bios-bootable,no-automount");
        Cli.Run json = ok("part", "list", "--json", i);
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) Json.parse(json.out());
        assertThat(m.get("scheme")).isEqualTo("gpt");
        assertThat(m.get("diskGuid")).isEqualTo("99999999-2222-4333-8444-555555555555");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> parts = (List<Map<String, Object>>) m.get("partitions");
        assertThat(parts).extracting(p -> p.get("number")).containsExactly(1L, 14L, 15L);
        assertThat(parts.get(0).get("name")).isEqualTo("SLX_SYS");
        assertThat(parts.get(2).get("sectors")).isEqualTo(204800L);

        ok("part", "delete", i, "15");
        ok("part", "add", i, "-t", "swap");
        assertThat(ok("part", "list", "--json", i).out()).contains("\"Linux swap\"");
        sgdiskAccepts(img);
        assertThat(ok("part", "verify", i).out()).contains("No problems found");
    }

    @Test
    void listShowsFilesystemsAndMbrTables() throws Exception {
        Path img = image("dos.img", 64L << 20);
        ReferenceTools.run(java.time.Duration.ofMinutes(1), "label: dos\n,10M,83,*\n,,5\n,20M,83\n,,82\n"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8), "sfdisk", "-q", img.toString()).assertOk();
        ReferenceTools.runOk("mkfs.ext4", "-q", "-F", "-E", "offset=" + 2048L * 512, "-L", "centos-root",
                img.toString(), "10M");
        Cli.Run r = ok("part", "list", img.toString());
        assertThat(r.out()).contains("MBR").contains("0x83 Linux").contains("extended").contains("logical")
                .contains("ext4 \"centos-root\"");
        assertThat(ok("part", "verify", img.toString()).out()).contains("No problems found (MBR)");
        // Editing commands refuse MBR tables clearly.
        Cli.Run edit = Cli.run("part", "name", img.toString(), "1", "x");
        assertThat(edit.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(edit.err()).contains("MBR partition table").contains("part create --force");
    }

    @Test
    void verifyAndRepairADamagedTable() throws Exception {
        Path img = image("broken.img", 64L << 20);
        String i = img.toString();
        ok("part", "create", i);
        ok("part", "add", i, "-c", "root");
        flipByte(img, 512 + 16); // primary header CRC
        Cli.Run v = Cli.run("part", "verify", i);
        assertThat(v.exit()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(v.out()).contains("problem: primary GPT header at LBA 1: header CRC32 mismatch");
        Cli.Run vj = Cli.run("part", "verify", "--json", i);
        assertThat(vj.exit()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(vj.out()).contains("\"code\": \"primary-header-crc\"").contains("\"ok\": false");
        assertThat(ok("part", "list", i).out()).contains("Read from the BACKUP copy");
        byte[] before = Files.readAllBytes(img);
        assertThat(ok("part", "repair", "--dry-run", i).out()).contains("would repair from the backup copy");
        assertThat(Files.readAllBytes(img)).isEqualTo(before);
        assertThat(ok("part", "repair", i).out()).contains("repaired from the backup copy");
        sgdiskAccepts(img);
        assertThat(ok("part", "repair", i).out()).contains("nothing to repair");
    }

    @Test
    void moveBackupAfterTheImageGrew() throws Exception {
        Path img = image("grow.img", 64L << 20);
        String i = img.toString();
        ok("part", "create", i);
        ok("part", "add", i);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(128L << 20);
        }
        assertThat(Cli.run("part", "verify", i).exit()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(ok("part", "move-backup", i).out()).contains("backup header LBA: 131071 -> 262143");
        sgdiskAccepts(img);
        ok("part", "resize", i, "1", "--max");
        sgdiskAccepts(img);
        assertThat(ReferenceTools.runOk("sgdisk", "-i", "1", i).stdout()).contains("Last sector: 262110");
        assertThat(ok("part", "move-backup", i).out()).contains("already at the end");
    }

    @Test
    void errorsHaveTheirExitCodes() throws Exception {
        Path img = image("e.img", 64L << 20);
        String i = img.toString();
        Cli.Run none = Cli.run("part", "add", i);
        assertThat(none.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(none.err()).contains("no partition table").contains("part create");
        ok("part", "create", i);
        Cli.Run again = Cli.run("part", "create", i);
        assertThat(again.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(again.err()).contains("already has a GPT").contains("--force");
        ok("part", "create", "--force", i);
        assertThat(Cli.run("part", "add", i, "-t", "no-such-type").err()).contains("unknown partition type");
        assertThat(Cli.run("part", "delete", i, "3").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("part", "list", dir.resolve("missing.img").toString()).exit())
                .isEqualTo(ExitCodes.CORRUPT);
        assertThat(Cli.run("part", "list", "--sector-size", "1024", i).exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("part", "resize", i, "1").exit()).isEqualTo(ExitCodes.USAGE);
        flipByte(img, 512 + 16); // both header CRCs
        flipByte(img, (64L << 20) - 512 + 16);
        Cli.Run corrupt = Cli.run("part", "list", i);
        assertThat(corrupt.exit()).isEqualTo(ExitCodes.CORRUPT);
        assertThat(corrupt.err()).contains("no intact copy");
    }

    /**
     * Inverts the byte at {@code at}: a damage that always changes it (writing a fixed value left a
     * header intact whenever its CRC, random with the disk GUID, already had that byte).
     */
    private static void flipByte(Path img, long at) throws IOException {
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            ch.write(ByteBuffer.wrap(new byte[] {(byte) ~b.get(0)}), at);
        }
    }

    @Test
    void everyCommandHasHelp() {
        for (String c : new String[] {"list", "verify", "create", "add", "delete", "resize", "name", "type", "attr",
                "guid", "repair", "move-backup", "types"}) {
            Cli.Run r = Cli.run("part", c, "--help");
            assertThat(r.exit()).isZero();
            assertThat(r.out()).contains("Usage: imgtool part " + c);
        }
        assertThat(Cli.run("part").out()).contains("move-backup");
        assertThat(Cli.run("label", "--help").out()).contains("--root=NAME").contains("--fs-label");
        assertThat(Cli.run("part", "types").out()).contains("root-aarch64").contains("B921B045-1DF0-41C3-AF44-4C6F280D3FAE");
    }
}
