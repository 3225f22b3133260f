package io.imgtool.sysprep.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.Extent;
import io.imgtool.core.ImageException;
import io.imgtool.publish.ArtifactVerifier;
import io.imgtool.publish.HashAlgorithm;
import io.imgtool.publish.PgpKeyGenerator;
import io.imgtool.publish.PgpKeyPair;
import io.imgtool.publish.PgpSigner;
import io.imgtool.publish.PgpVerifier;
import io.imgtool.publish.Publisher;
import io.imgtool.qcow2.DiskImage;
import io.imgtool.qcow2.Qcow2Options;
import io.imgtool.sysprep.Change;
import io.imgtool.sysprep.Selection;
import io.imgtool.sysprep.SysprepOptions;
import io.imgtool.sysprep.inspect.TestImages;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.sysprep.sample.UsedGuestTree;
import io.imgtool.testdata.Scratch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline's disk-level half, checked with the reference tools on the multi-partition GPT image:
 * free space and unpartitioned space dropped from qcow2, raw and xz outputs without changing any kept
 * byte (qemu-img check, sgdisk -v, e2fsck -fn on every filesystem), the input only read, sums and
 * signatures that sha256sum, sha512sum, gpg and imgtool's verifier accept and that reject a flipped
 * bit, the virt-builder index entry, dry runs that write nothing, the GPT root label, in-place
 * discards, and the checks made before anything is written.
 */
class SealerOutputTest {

    @TempDir
    static Path dir;
    static Path gpt;
    static List<Extent> dropped;
    static PgpKeyPair key;
    static final Clock CLOCK = Clock.fixed(Instant.parse("2024-11-23T12:00:00Z"), ZoneOffset.UTC);

    @BeforeAll
    static void image() throws Exception {
        ReferenceTools.requireAll("sgdisk", "mkfs.ext4", "mkfs.vfat", "mkswap", "qemu-img", "e2fsck", "sha256sum", "xz");
        gpt = TestImages.gptMulti(Files.createDirectories(dir.resolve("img")), UsedGuestTree.debian());
        try (BlockDevice d = DiskImage.open(gpt, false)) {
            dropped = DiskSpace.compute(d).dropped();
        }
        key = PgpKeyGenerator.builder().userId("Seal Test", "seal@example.org").clock(CLOCK).generate();
    }

    static Sealer.Builder base(Path out) {
        return Sealer.builder().input(gpt).output(out).selection(Selection.defaults().operations("-defaults"))
                .random(new Random(7)).clock(CLOCK);
    }

    @Test
    void compressedQcow2KeepsEveryByteButTheFreeSpaceAndIsSigned() throws Exception {
        Path out = Files.createDirectories(dir.resolve("q")).resolve("golden.qcow2");
        String before = sha256(gpt);
        SealReport r = base(out).compression(Qcow2Options.Compression.DEFLATE)
                .checksums(HashAlgorithm.SHA256, HashAlgorithm.SHA512)
                .signer(PgpSigner.builder().secretKey(key.secretKey()).clock(CLOCK).build())
                .signatures(Publisher.Style.CLEARSIGNED, Publisher.Style.DETACHED_BINARY).build().seal();
        assertThat(sha256(gpt)).as("the input is only read").isEqualTo(before);
        assertThat(r.mode()).isEqualTo("output");
        assertThat(r.outputFormat()).isEqualTo("qcow2");
        assertThat(r.space().filesystemFree()).isGreaterThan(100L << 20);
        assertThat(r.space().unpartitioned()).isEqualTo((16384L + (389087 - 364544)) * 512);
        assertThat(r.space().swap()).isEqualTo(8L * (1 << 20) - 4096);
        ReferenceTools.runOk("qemu-img", "check", out.toString());
        Path raw = dir.resolve("q/golden.raw");
        ReferenceTools.runOk("qemu-img", "convert", "-O", "raw", out.toString(), raw.toString());
        assertEqualOutsideDropped(gpt, raw);
        checkFilesystems(raw);
        assertThat(Files.size(out)).isLessThan(r.sizes().get("input_file_size") / 4);
        try (Stream<Path> s = Files.list(dir.resolve("q"))) {
            assertThat(s.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("golden.qcow2", "golden.raw", "SHA256SUMS", "SHA256SUMS.asc", "SHA256SUMS.sig",
                            "SHA512SUMS", "SHA512SUMS.asc", "SHA512SUMS.sig");
        }
        Files.delete(raw);
        ReferenceTools.run(java.time.Duration.ofMinutes(2), null, "sh", "-c", "cd " + dir.resolve("q")
                + " && sha256sum --strict -c SHA256SUMS && sha512sum --strict -c SHA512SUMS").assertOk();
        assertThat(r.artifacts().get(0).digests()).containsKeys("SHA256", "SHA512");
        gpgVerify(dir.resolve("q/SHA256SUMS.asc"), null);
        gpgVerify(dir.resolve("q/SHA512SUMS.sig"), dir.resolve("q/SHA512SUMS"));
        ArtifactVerifier v = ArtifactVerifier.builder()
                .verifier(PgpVerifier.builder().keys(writeKey()).clock(CLOCK).build()).build();
        assertThat(v.verify(dir.resolve("q/SHA256SUMS.asc"), null).ok()).isTrue();
        // One flipped bit anywhere in the artifact or in the signed sums: rejected.
        Random rnd = new Random(3);
        for (int i = 0; i < 6; i++) {
            Path victim = i % 3 == 2 ? dir.resolve("q/SHA256SUMS.asc") : out;
            long pos = i == 0 ? 0 : i == 1 ? Files.size(out) - 1 : (long) (rnd.nextDouble() * Files.size(victim));
            int bit = rnd.nextInt(8);
            flip(victim, pos, bit);
            assertThat(v.verify(dir.resolve("q/SHA256SUMS.asc"), null).ok()).as("bit %d of byte %d of %s", bit, pos, victim)
                    .isFalse();
            flip(victim, pos, bit);
        }
        assertThat(v.verify(dir.resolve("q/SHA256SUMS.asc"), null).ok()).isTrue();
        assertThat(r.toText(false)).contains("golden.qcow2").contains("signature:");
        assertThat(io.imgtool.core.Json.write(r.toJson())).contains("\"mode\": \"output\"");
    }

    @Test
    void rawAndXzOutputsWithAnIndexEntry() throws Exception {
        Path d = Files.createDirectories(dir.resolve("x"));
        SealReport rawReport = base(d.resolve("golden.raw")).format(Sealer.Format.RAW).checksums().build().seal();
        assertThat(rawReport.outputFormat()).isEqualTo("raw");
        assertEqualOutsideDropped(gpt, d.resolve("golden.raw"));
        Path xz = d.resolve("golden.raw.xz");
        SealReport r = base(xz).xz(true).checksums(HashAlgorithm.SHA512)
                .indexEntry(new Sealer.IndexEntry(d.resolve("index"), null, 3, null, null)).build().seal();
        assertThat(r.outputFormat()).isEqualTo("raw.xz");
        ReferenceTools.runOk("xz", "-t", xz.toString());
        ReferenceTools.run(java.time.Duration.ofMinutes(2), null, "sh", "-c", "xz -dc " + xz + " | cmp - " + d.resolve("golden.raw"))
                .assertOk();
        String entry = Files.readString(d.resolve("index"));
        assertThat(entry).startsWith("[debian-12]").contains("file=golden.raw.xz").contains("format=raw")
                .contains("revision=3").contains("arch=x86_64").contains("expand=/dev/sda3")
                .contains("checksum[sha512]=" + r.artifacts().get(0).digests().get("SHA512"))
                .contains("size=" + Files.size(gpt));
        assertThat(r.indexEntry()).isEqualTo(entry);
    }

    @Test
    void staleWorkFoldersAreRemovedAndBusyOnesKept() throws Exception {
        Path outDir = Files.createDirectories(dir.resolve("work-folders"));
        Path stale = Files.createDirectories(outDir.resolve(SealPipeline.WORK_PREFIX + "stale"));
        Files.write(stale.resolve(".lock"), new byte[0]);
        Files.write(stale.resolve("work.qcow2"), new byte[4096]);
        Path busy = Files.createDirectories(outDir.resolve(SealPipeline.WORK_PREFIX + "busy"));
        Path foreign = Files.createDirectories(outDir.resolve(SealPipeline.WORK_PREFIX + "no-lock"));
        List<String> said = new java.util.ArrayList<>();
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(busy.resolve(".lock"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
            ch.lock(); // as a seal running in this process holds it
            base(outDir.resolve("out.qcow2")).progress(said::add).build().seal();
        }
        assertThat(stale).doesNotExist();
        assertThat(busy).isDirectory();
        assertThat(foreign).isDirectory();
        assertThat(said).contains("removing " + stale.getFileName() + ", the work folder of an interrupted seal");
        try (java.util.stream.Stream<Path> s = Files.list(outDir)) {
            assertThat(s.map(p -> p.getFileName().toString()).sorted())
                    .containsExactly(busy.getFileName().toString(), foreign.getFileName().toString(), "SHA256SUMS", "out.qcow2");
        }
    }

    @Test
    void dryRunWritesNothingAndListsTheChanges() throws Exception {
        Path d = Files.createDirectories(dir.resolve("dry"));
        String before = sha256(gpt);
        SealReport r = Sealer.builder().input(gpt).dryRun(true).labelRoot("SLX_SYS").newUuids(true)
                .options(SysprepOptions.builder().random(new Random(1)).build()).random(new Random(2)).build().seal();
        assertThat(sha256(gpt)).isEqualTo(before);
        try (Stream<Path> s = Files.list(d)) {
            assertThat(s).isEmpty();
        }
        assertThat(r.mode()).isEqualTo("dry-run");
        assertThat(r.changes()).extracting(c -> c.kind() + " " + c.path())
                .contains("REMOVED /var/log/syslog", "REMOVED /var/log/evil.log", "REMOVED /home/alice/.bash_history",
                        "TRUNCATED /etc/machine-id", "CHANGED partition 3 (GPT name)", "CHANGED /etc/fstab",
                        "CHANGED partition 3 (ext4 UUID)", "CHANGED partition 4 (GPT partition GUID)");
        assertThat(r.changes(/* all */)).filteredOn(c -> c.path().equals("/var/log/evil.log"))
                .singleElement().satisfies(c -> assertThat(c.detail()).isEqualTo("symlink"));
        assertThat(r.toText(false)).startsWith("dry run (nothing written)");
    }

    @Test
    void labelRootNamesTheGptRootPartitionInTheOutputOnly() throws Exception {
        Path out = Files.createDirectories(dir.resolve("l")).resolve("labelled.qcow2");
        SealReport r = base(out).labelRoot("SLX_SYS").checksums().build().seal();
        assertThat(r.extraChanges()).extracting(Change::detail).containsExactly("'root' -> 'SLX_SYS'");
        Path raw = dir.resolve("l/labelled.raw");
        ReferenceTools.runOk("qemu-img", "convert", "-O", "raw", out.toString(), raw.toString());
        assertThat(ReferenceTools.runOk("sgdisk", "-i", "3", raw.toString()).stdout()).contains("Partition name: 'SLX_SYS'");
        assertThat(ReferenceTools.runOk("sgdisk", "-i", "3", gpt.toString()).stdout()).contains("Partition name: 'root'");
        ReferenceTools.runOk("sgdisk", "-v", raw.toString());
    }

    @Test
    void inPlaceDiscardsTheDroppedSpace() throws Exception {
        Path d = Files.createDirectories(dir.resolve("ip"));
        Path copy = d.resolve("copy.img");
        Scratch.copy(gpt, copy);
        SealReport r = Sealer.builder().input(copy).inPlace(true).selection(Selection.defaults().operations("-defaults"))
                .build().seal();
        assertThat(r.mode()).isEqualTo("in-place");
        assertEqualOutsideDropped(gpt, copy);
        checkFilesystems(copy);
        assertThat(d.resolve("SHA256SUMS")).exists();
    }

    @Test
    void everyCheckRunsBeforeAnythingIsWritten() throws Exception {
        Path d = Files.createDirectories(dir.resolve("pre"));
        Files.writeString(d.resolve("SHA256SUMS"), "x");
        assertThatThrownBy(() -> base(d.resolve("o.qcow2")).build().seal()).isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining("SHA256SUMS");
        Files.writeString(d.resolve("exists.qcow2"), "x");
        assertThatThrownBy(() -> base(d.resolve("exists.qcow2")).checksums().build().seal())
                .isInstanceOf(FileAlreadyExistsException.class);
        try (Stream<Path> s = Files.list(d)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("SHA256SUMS", "exists.qcow2");
        }
        assertThatThrownBy(() -> base(d.resolve("o.raw")).xz(true).compression(Qcow2Options.Compression.DEFLATE).build())
                .isInstanceOf(ImageException.class).hasMessageContaining("--xz");
        assertThatThrownBy(() -> base(gpt).build()).isInstanceOf(ImageException.class).hasMessageContaining("--in-place");
        assertThatThrownBy(() -> Sealer.builder().input(gpt).build()).isInstanceOf(ImageException.class);
        assertThatThrownBy(() -> base(d.resolve("o.qcow2")).indexEntry(new Sealer.IndexEntry(d.resolve("i"), null, 1, null, null))
                .build()).isInstanceOf(ImageException.class).hasMessageContaining("--xz");
        assertThatThrownBy(() -> Sealer.builder().input(gpt).inPlace(true).compression(Qcow2Options.Compression.ZSTD).build())
                .isInstanceOf(ImageException.class);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /** Every byte of {@code out} equals {@code in}, except the dropped ranges, which read as zero. */
    static void assertEqualOutsideDropped(Path in, Path out) throws IOException {
        assertThat(Files.size(out)).isEqualTo(Files.size(in));
        try (FileChannel a = FileChannel.open(in); FileChannel b = FileChannel.open(out)) {
            int w = 1 << 20;
            ByteBuffer x = ByteBuffer.allocate(w);
            ByteBuffer y = ByteBuffer.allocate(w);
            for (long pos = 0; pos < a.size(); pos += w) {
                x.clear();
                y.clear();
                a.read(x, pos);
                b.read(y, pos);
                byte[] xa = x.array();
                for (Extent e : dropped) {
                    long from = Math.max(e.offset(), pos);
                    long to = Math.min(e.end(), pos + w);
                    if (from < to) {
                        java.util.Arrays.fill(xa, (int) (from - pos), (int) (to - pos), (byte) 0);
                    }
                }
                assertThat(y.array()).as("window at %d", pos).isEqualTo(xa);
            }
        }
    }

    /** e2fsck -fn on each ext4 of the multi-partition image, sgdisk -v on its table. */
    static void checkFilesystems(Path raw) {
        for (long sector : new long[] {69632, 200704, 299008}) {
            ReferenceTools.runOk("e2fsck", "-fn", raw + "?offset=" + sector * 512);
        }
        String v = ReferenceTools.runOk("sgdisk", "-v", raw.toString()).stdout();
        assertThat(v).contains("No problems found");
    }

    private static Path writeKey() throws IOException {
        Path p = dir.resolve("key.public.asc");
        if (!Files.exists(p)) {
            Files.writeString(p, key.publicKey());
        }
        return p;
    }

    private static void gpgVerify(Path sig, Path data) throws IOException {
        Path home = Files.createTempDirectory(dir, "gnupg");
        ReferenceTools.runOk("chmod", "700", home.toString());
        ReferenceTools.runOk("gpg", "--homedir", home.toString(), "--batch", "--import", writeKey().toString());
        ReferenceTools.Result r = data == null
                ? ReferenceTools.run("gpg", "--homedir", home.toString(), "--batch", "--status-fd", "1", "--verify", sig.toString())
                : ReferenceTools.run("gpg", "--homedir", home.toString(), "--batch", "--status-fd", "1", "--verify",
                        sig.toString(), data.toString());
        assertThat(r.stdout()).as(r.describe()).contains("GOODSIG").contains("VALIDSIG " + key.fingerprint());
    }

    private static void flip(Path f, long pos, int bit) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, pos);
            b.put(0, (byte) (b.get(0) ^ (1 << bit)));
            b.rewind();
            ch.write(b, pos);
        }
    }

    static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
