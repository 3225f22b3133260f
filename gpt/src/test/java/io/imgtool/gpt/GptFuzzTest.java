package io.imgtool.gpt;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imgtool.core.ImageException;
import io.imgtool.core.MemoryDevice;
import io.imgtool.gpt.ondisk.GptEntry;
import io.imgtool.gpt.ondisk.GptHeader;
import java.nio.ByteBuffer;

/**
 * Jazzer fuzz tests: parsing headers, entries and whole tables from arbitrary bytes either succeeds
 * or throws an {@link ImageException}; never anything else, never a hang, never an allocation the
 * input size does not justify. Without {@code -Pfuzz} they replay the seed corpus in
 * {@code GptFuzzTestInputs/} (small real tables made by imgtool, then mutated by the fuzzer).
 */
class GptFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void headerParseAndCheck(byte[] data) {
        if (data.length < 512) {
            return;
        }
        GptHeader h = GptHeader.parse(ByteBuffer.wrap(data), 512);
        try {
            h.check(512, 1, 1 << 20);
            if (h.arrayBytes() > GptHeader.MAX_ARRAY_BYTES || h.entrySize() < 128) {
                throw new AssertionError("check accepted " + h);
            }
        } catch (ImageException expected) {
            // a bad field, reported by name
        }
        if (h.crcComputable()) {
            h.crcValid();
        }
        if (!java.util.Arrays.equals(h.toBytes(), java.util.Arrays.copyOf(data, 512))) {
            throw new AssertionError("header bytes not kept");
        }
    }

    @FuzzTest(maxDuration = "30s")
    void entryParse(byte[] data) {
        if (data.length < GptEntry.SIZE) {
            return;
        }
        GptEntry e = GptEntry.parse(ByteBuffer.wrap(data), 0, GptEntry.SIZE);
        e.name();
        e.sectors();
        ByteBuffer out = ByteBuffer.allocate(GptEntry.SIZE);
        e.writeTo(out, 0);
        if (!java.util.Arrays.equals(out.array(), java.util.Arrays.copyOf(data, GptEntry.SIZE))) {
            throw new AssertionError("entry bytes not kept");
        }
    }

    /** The input is a whole small disk (sector 0 onward); read, verify, list and probe it. */
    @FuzzTest(maxDuration = "120s")
    void readWholeTable(byte[] data) throws Exception {
        MemoryDevice disk = MemoryDevice.of(data);
        for (int sectorSize : new int[] {512, 4096}) {
            try {
                PartitionTable t = PartitionTable.read(disk, sectorSize);
                for (Partition p : t.partitions()) {
                    if (p.lastLba() < Long.MAX_VALUE / sectorSize && p.offset() >= 0 && p.size() > 0
                            && p.offset() + p.size() <= disk.size()) {
                        FilesystemProbe.probe(p.open(disk));
                    }
                }
                if (t instanceof GptTable g) {
                    g.freeRegions();
                    g.rename(g.partitions().isEmpty() ? 1 : g.partitions().get(0).number(), "x").validate(
                            disk.size() / sectorSize);
                }
            } catch (ImageException expected) {
                // corrupt, out of range or refused: reported, not crashed
            }
            try {
                GptVerifier.verify(disk, sectorSize);
            } catch (ImageException expected) {
                // e.g. too small for a GPT
            }
        }
    }
}
