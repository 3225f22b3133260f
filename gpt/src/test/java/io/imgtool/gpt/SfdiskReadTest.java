package io.imgtool.gpt;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.Json;
import io.imgtool.core.RawFileDevice;
import io.imgtool.gpt.ondisk.Guids;
import io.imgtool.testdata.ReferenceTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ring 3: tables made by sgdisk and sfdisk inside the test read exactly as {@code sfdisk --json}
 * describes them: every partition's number, start, size, type, GUID, name and attributes, and the
 * table's identifier and usable range.
 */
class SfdiskReadTest {

    @TempDir
    Path dir;

    @Test
    void sgdiskGptWithGapsAndHighNumbers() throws Exception {
        Path img = Scratch.image(dir, "sg.img", 300L << 20);
        Scratch.sgdisk(img, "-o", "-n", "14:2048:+3M", "-t", "14:ef02", "-n", "15:0:+124M", "-t", "15:ef00",
                "-c", "15:EFI", "-n", "1:0:+20M", "-t", "1:8300", "-c", "1:root", "-A", "1:set:2",
                "-n", "7:+4M:+8M", "-t", "7:8200", "-A", "7:set:63", "-A", "7:set:0", "-n", "128:0:0", "-t", "128:8302",
                "-c", "128:h\u00f6me");
        assertReadsLikeSfdisk(img);
    }

    @Test
    void sfdiskGptScript() throws Exception {
        Path img = Scratch.image(dir, "sf.img", 100L << 20);
        sfdisk(img, "label: gpt\nfirst-lba: 2048\n"
                + "size=10M, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=\"EFI System\"\n"
                + "size=5M, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F, attrs=\"RequiredPartition GUID:62\"\n"
                + "start=40M, size=20M, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name=SLX_SYS\n"
                + "type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n");
        assertReadsLikeSfdisk(img);
    }

    @Test
    void sfdiskDosWithLogicalPartitions() throws Exception {
        Path img = Scratch.image(dir, "dos.img", 64L << 20);
        sfdisk(img, "label: dos\nlabel-id: 0x12345678\n,8M,83,*\n,8M,82\n,,5\n,4M,83\n,4M,7\n,2M,c\n,,83\n");
        assertReadsLikeSfdisk(img);
        try (RawFileDevice disk = RawFileDevice.open(img, false)) {
            MbrTable t = (MbrTable) PartitionTable.read(disk);
            assertThat(t.problems()).isEmpty();
            assertThat(t.dataPartitions()).hasSize(6);
            assertThat(GptVerifier.verify(disk, 512).ok()).isTrue();
        }
    }

    @Test
    void sfdiskDosExtendedFirstWithEmptySlots() throws Exception {
        Path img = Scratch.image(dir, "dos2.img", 64L << 20);
        sfdisk(img, "label: dos\nlabel-id: 0xdeadbeef\nstart=2048, size=40M, type=f\n"
                + "start=45M, size=10M, type=83\n"
                + "start=4096, size=10M, type=83\nstart=30000, size=5000, type=8e\n");
        assertReadsLikeSfdisk(img);
    }

    private void sfdisk(Path img, String script) {
        ReferenceTools.run(java.time.Duration.ofMinutes(1), script.getBytes(StandardCharsets.UTF_8), "sfdisk", "-q",
                img.toString()).assertOk();
    }

    @SuppressWarnings("unchecked")
    private static void assertReadsLikeSfdisk(Path img) throws Exception {
        String out = ReferenceTools.runOk("sfdisk", "--json", img.toString()).stdout();
        Map<String, Object> pt = (Map<String, Object>) ((Map<String, Object>) Json.parse(out)).get("partitiontable");
        List<Map<String, Object>> expected = new ArrayList<>();
        for (Object o : (List<Object>) pt.get("partitions")) {
            Map<String, Object> m = new LinkedHashMap<>((Map<String, Object>) o);
            String node = (String) m.remove("node");
            m.put("number", Long.parseLong(node.substring(img.toString().length())));
            expected.add(m);
        }
        assertThat(expected).isNotEmpty();
        try (RawFileDevice disk = RawFileDevice.open(img, false)) {
            PartitionTable t = PartitionTable.read(disk, 512);
            List<Map<String, Object>> actual = new ArrayList<>();
            for (Partition p : t.partitions()) {
                actual.add(describe(p));
            }
            assertThat(actual).isEqualTo(expected);
            if (pt.get("label").equals("gpt")) {
                GptTable g = (GptTable) t;
                assertThat(Guids.toText(g.diskGuid())).isEqualTo(pt.get("id"));
                assertThat(g.firstUsableLba()).isEqualTo(pt.get("firstlba"));
                assertThat(g.lastUsableLba()).isEqualTo(pt.get("lastlba"));
                assertThat(g.report().healthy()).isTrue();
                assertThat(GptVerifier.verify(disk, 512).problems()).isEmpty();
            } else {
                assertThat(String.format("0x%08x", ((MbrTable) t).diskSignature())).isEqualTo(pt.get("id"));
            }
        }
    }

    /** A partition in sfdisk's JSON vocabulary. */
    static Map<String, Object> describe(Partition p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("start", p.firstLba());
        m.put("size", p.sectors());
        if (p instanceof GptPartition g) {
            m.put("type", Guids.toText(g.type().guid()));
            m.put("uuid", Guids.toText(g.partitionGuid()));
            if (!g.name().isEmpty()) {
                m.put("name", g.name());
            }
            if (g.attributes() != 0) {
                m.put("attrs", sfdiskAttrs(g.attributes()));
            }
        } else {
            MbrPartition mp = (MbrPartition) p;
            m.put("type", Integer.toHexString(mp.type()).toLowerCase(Locale.ROOT));
            if (mp.bootable()) {
                m.put("bootable", true);
            }
        }
        m.put("number", (long) p.number());
        return m;
    }

    static String sfdiskAttrs(long a) {
        List<String> words = new ArrayList<>();
        String[] low = {"RequiredPartition", "NoBlockIOProtocol", "LegacyBIOSBootable"};
        for (int i = 0; i < 64; i++) {
            if ((a & (1L << i)) != 0) {
                words.add(i < 3 ? low[i] : "GUID:" + i);
            }
        }
        return String.join(" ", words);
    }
}
