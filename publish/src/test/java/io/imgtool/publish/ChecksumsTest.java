package io.imgtool.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.ImageFormatException;
import io.imgtool.testdata.ReferenceTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChecksumsTest {

    /** File names coreutils must escape, or that look like the format's own syntax. */
    static final List<String> ODD_NAMES = List.of("plain.raw.xz", "back\\slash", "new\nline", "cr\rx",
            " lead  trail", "*star", "tab\tx", "paren (x) = y", "-dash", "#hash", "\\\\n");

    @TempDir
    Path dir;

    @Test
    void knownVectors() throws IOException {
        Path f = Files.writeString(dir.resolve("abc"), "abc");
        assertThat(Checksums.builder().build().digest(f).digest())
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(Checksums.builder().algorithm(HashAlgorithm.SHA512).build().digest(f).digest())
                .startsWith("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a");
        Path empty = Files.write(dir.resolve("empty"), new byte[0]);
        FileDigest d = Checksums.builder().build().digest(empty);
        assertThat(d.digest()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(d.size()).isZero();
    }

    @Test
    void streamingOverManyBuffersEqualsOneShotDigest() throws Exception {
        byte[] data = new byte[(5 << 20) + 12345];
        new Random(7).nextBytes(data);
        Path f = Files.write(dir.resolve("big"), data);
        for (HashAlgorithm a : HashAlgorithm.values()) {
            FileDigest d = Checksums.builder().algorithm(a).bufferSize(64 << 10).build().digest(f);
            assertThat(d.digest()).isEqualTo(HexFormat.of().formatHex(a.newDigest().digest(data)));
            assertThat(d.size()).isEqualTo(data.length);
        }
    }

    @Test
    void parallelAndSequentialGiveTheSameSumsFile() throws IOException {
        List<Path> files = writeOddFiles();
        String par = Checksums.builder().threads(4).build().sumsFile(files, dir).format();
        String seq = Checksums.builder().threads(1).build().sumsFile(files, dir).format();
        assertThat(par).isEqualTo(seq);
        assertThat(SumsFile.parse(par.getBytes(StandardCharsets.UTF_8), "SHA256SUMS").entries())
                .extracting(SumsEntry::name).containsExactlyElementsOf(ODD_NAMES);
    }

    @Test
    void sha256sumAcceptsOurFileWithOddNames() throws IOException {
        List<Path> files = writeOddFiles();
        for (boolean binary : new boolean[] {false, true}) {
            for (HashAlgorithm a : List.of(HashAlgorithm.SHA256, HashAlgorithm.SHA512)) {
                SumsFile sums = Checksums.builder().algorithm(a).binaryMarker(binary).build().sumsFile(files, dir);
                Path out = Files.write(dir.resolve(a.sumsFileName()), sums.toBytes());
                var r = ReferenceTools.run(java.time.Duration.ofMinutes(1), null, "sh", "-c",
                        "cd \"$1\" && " + a.coreutilsTool() + " --strict -c \"$2\"", "sh", dir.toString(),
                        out.getFileName().toString());
                assertThat(r.exit()).as(r.describe()).isZero();
                assertThat(r.stdout().split("OK", -1)).hasSize(ODD_NAMES.size() + 1);
            }
        }
    }

    @Test
    void weReadWhatSha256sumWrites() throws IOException {
        List<Path> files = writeOddFiles();
        List<FileDigest> ours = Checksums.builder().build().digestAll(files, dir);
        for (String flags : List.of("", "-b", "--tag")) {
            var r = ReferenceTools.run(java.time.Duration.ofMinutes(1), null, "sh", "-c",
                    "cd \"$1\" && shift && sha256sum " + flags + " -- \"$@\"", "sh", dir.toString(),
                    ODD_NAMES.get(0), ODD_NAMES.get(1), ODD_NAMES.get(2), ODD_NAMES.get(3), ODD_NAMES.get(4),
                    ODD_NAMES.get(5), ODD_NAMES.get(6), ODD_NAMES.get(7), ODD_NAMES.get(8), ODD_NAMES.get(9),
                    ODD_NAMES.get(10)).assertOk();
            SumsFile theirs = SumsFile.parse(r.stdout().getBytes(StandardCharsets.UTF_8), "sha256sum " + flags);
            assertThat(theirs.entries()).hasSize(ours.size());
            for (int i = 0; i < ours.size(); i++) {
                assertThat(theirs.entries().get(i).name()).isEqualTo(ours.get(i).name());
                assertThat(theirs.entries().get(i).digest()).isEqualTo(ours.get(i).digest());
            }
            if (flags.isEmpty()) {
                // Byte-identical to what coreutils writes.
                assertThat(theirs.format()).isEqualTo(r.stdout());
                assertThat(Checksums.builder().build().sumsFile(files, dir).format()).isEqualTo(r.stdout());
            }
        }
    }

    @Test
    void checkFindsMismatchMissingAndRefusesEscapes() throws IOException {
        Path a = Files.writeString(dir.resolve("a"), "one");
        Path b = Files.writeString(dir.resolve("b"), "two");
        Checksums cs = Checksums.builder().build();
        SumsFile sums = cs.sumsFile(List.of(a, b), dir);
        assertThat(cs.check(sums, dir)).allMatch(FileCheck::ok);

        Files.writeString(b, "twO");
        Files.delete(a);
        List<SumsEntry> extra = new ArrayList<>(sums.entries());
        String zero = "0".repeat(64);
        extra.add(new SumsEntry(HashAlgorithm.SHA256, zero, "../outside", false));
        extra.add(new SumsEntry(HashAlgorithm.SHA256, zero, "/etc/hostname", false));
        Files.createDirectory(dir.resolve("sub"));
        extra.add(new SumsEntry(HashAlgorithm.SHA256, zero, "sub", false));
        List<FileCheck> res = cs.check(new SumsFile(extra), dir);
        assertThat(res).extracting(FileCheck::status).containsExactly(FileCheck.Status.MISSING,
                FileCheck.Status.MISMATCH, FileCheck.Status.UNREADABLE, FileCheck.Status.UNREADABLE,
                FileCheck.Status.UNREADABLE);
    }

    @Test
    void malformedLinesAreRejectedWithTheirLineNumber() {
        String h = "a".repeat(64);
        assertBad(h + "  x\n\n", "line 2", "empty line");
        assertBad(h + "  x\n" + "a".repeat(63) + "  y\n", "line 2", "unknown hash algorithm");
        assertBad("\\" + h + "  a\\tb\n", "line 1", "unknown escape");
        assertBad("\\" + h + "  ab\\\n", "line 1", "lone backslash");
        assertBad(h + "  \n", "line 1", "file name missing");
        assertBad("MD5 (x) = " + "a".repeat(32) + "\n", "line 1", "unknown hash algorithm");
        assertBad("SHA256 (x) = " + "a".repeat(60) + "\n", "line 1", "64 hex digits");
        assertBad("hello world\n", "line 1", "neither");
        assertBad(h + "  \u0000x\n", "line 1", "NUL");
        assertThatThrownBy(() -> SumsFile.parse(new byte[] {'a', ' ', ' ', (byte) 0xff, '\n'}, "S"))
                .isInstanceOf(ImageFormatException.class).hasMessageContaining("UTF-8");
    }

    @Test
    void lenientWhereCoreutilsIs() throws ImageFormatException {
        String h = "A".repeat(64);
        SumsFile f = SumsFile.parse(("# comment\r\n" + h + " *x\r\n" + "b".repeat(128) + " y").getBytes(), "S");
        assertThat(f.entries()).containsExactly(
                new SumsEntry(HashAlgorithm.SHA256, "a".repeat(64), "x", true),
                new SumsEntry(HashAlgorithm.SHA512, "b".repeat(128), "y", false));
    }

    private static void assertBad(String text, String field, String reason) {
        assertThatThrownBy(() -> SumsFile.parse(text.getBytes(StandardCharsets.UTF_8), "SHA256SUMS"))
                .isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("SHA256SUMS: " + field)
                .hasMessageContaining(reason);
    }

    private List<Path> writeOddFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        int i = 0;
        for (String n : ODD_NAMES) {
            files.add(Files.writeString(dir.resolve(n), "content " + (i++) + "\n"));
        }
        return files;
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
