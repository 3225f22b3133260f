package io.imgtool.gpt;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageFormatException;
import io.imgtool.gpt.Verification.Finding;
import io.imgtool.gpt.Verification.Severity;
import io.imgtool.gpt.ondisk.GptHeader;
import io.imgtool.gpt.ondisk.Guids;
import io.imgtool.gpt.ondisk.MbrPartitionEntry;
import io.imgtool.gpt.ondisk.MbrSector;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Checks a partition table the way {@code sgdisk -v} does, and a little more, returning every
 * finding instead of stopping at the first:
 * <ul>
 *   <li>each header: signature, revision, size, CRC, self pointer, usable area, array location;</li>
 *   <li>each entry array: CRC;</li>
 *   <li>the backup header at the last LBA, the copies agreeing field by field and byte by byte;</li>
 *   <li>partitions: reversed, overlapping, before the first or after the last usable LBA, past the
 *       end of the disk, duplicate partition GUIDs, start not aligned to 1 MiB (a note);</li>
 *   <li>the MBR: present and protective, 0xEE entry from LBA 1 covering the disk, hybrid entries
 *       matching a GPT partition.</li>
 * </ul>
 * MBR tables get the checks that apply to them (overlaps, extent, the EBR chain).
 */
public final class GptVerifier {

    private GptVerifier() {
    }

    /** Verifies whatever table {@code disk} holds, read with {@code sectorSize}-byte sectors. */
    public static Verification verify(BlockDevice disk, int sectorSize) throws IOException {
        PartitionTable t;
        try {
            t = PartitionTable.read(disk, sectorSize);
        } catch (ImageFormatException e) {
            // A protective MBR promised a GPT that has no intact copy: report what is left of it.
            return verifyGpt(disk, sectorSize);
        }
        return switch (t.scheme()) {
            case GPT -> verifyGpt(disk, sectorSize);
            case MBR -> verifyMbr((MbrTable) t);
            case NONE -> new Verification(PartitionTable.Scheme.NONE, List.of(new Finding(Severity.PROBLEM,
                    "no-table", "no partition table found (neither GPT nor MBR)")));
        };
    }

    static Verification verifyGpt(BlockDevice disk, int sectorSize) throws IOException {
        List<Finding> f = new ArrayList<>();
        GptReader.Raw raw = GptReader.read(disk, sectorSize);
        long lastLba = raw.lastLba();
        GptReader.Copy p = raw.primary();
        GptReader.Copy b = raw.backup();
        copyFindings(f, p, "primary");
        copyFindings(f, b, "backup");
        if (disk.size() % sectorSize != 0) {
            f.add(new Finding(Severity.WARNING, "size-not-multiple", "the disk size " + disk.size()
                    + " is not a multiple of the sector size " + sectorSize + "; the tail is ignored"));
        }
        GptTable t;
        try {
            t = GptTable.fromRaw(raw);
        } catch (ImageFormatException e) {
            f.add(new Finding(Severity.PROBLEM, "no-intact-copy", e.getMessage()));
            return new Verification(PartitionTable.Scheme.GPT, f);
        }
        if (p.headerValid() && p.header().alternateLba() > lastLba) {
            f.add(new Finding(Severity.PROBLEM, "disk-too-small", "the primary header puts the backup at LBA "
                    + Long.toUnsignedString(p.header().alternateLba()) + " but the disk ends at LBA " + lastLba));
        }
        if (b.headerValid() && b.lba() != lastLba) {
            f.add(new Finding(Severity.PROBLEM, "backup-not-at-end", "the backup header is at LBA " + b.lba()
                    + ", not at the end of the disk (LBA " + lastLba + "): 'part move-backup' moves it"));
        }
        for (String d : t.report().differences()) {
            f.add(new Finding(Severity.PROBLEM, "copies-differ", d));
        }
        GptHeader used = t.report().source() == GptTable.Source.PRIMARY ? p.header() : b.header();
        if (used.reserved() != 0 || !isZero(used.tail())) {
            f.add(new Finding(Severity.NOTE, "reserved-not-zero",
                    "reserved bytes of the header are not zero (kept as they are)"));
        }
        partitionFindings(f, t, lastLba);
        mbrFindings(f, raw.mbr(), t, lastLba);
        return new Verification(PartitionTable.Scheme.GPT, f);
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static void copyFindings(List<Finding> f, GptReader.Copy c, String which) {
        if (c.header() == null) {
            f.add(new Finding(Severity.PROBLEM, which + "-header-missing", c.problem()));
        } else if (c.problem() != null) {
            String code = c.problem().contains("CRC32 mismatch") ? which + "-header-crc" : which + "-header-invalid";
            f.add(new Finding(Severity.PROBLEM, code, c.problem()));
        } else if (c.arrayProblem() != null) {
            f.add(new Finding(Severity.PROBLEM, which + "-array-crc", c.arrayProblem()));
        }
    }

    private static void partitionFindings(List<Finding> f, GptTable t, long lastLba) {
        List<GptPartition> ps = new ArrayList<>(t.partitions());
        Map<UUID, Integer> guids = new HashMap<>();
        for (GptPartition p : ps) {
            if (p.lastLba() < p.firstLba()) {
                f.add(new Finding(Severity.PROBLEM, "reversed", "partition " + p.number() + " ends (LBA "
                        + p.lastLba() + ") before it starts (LBA " + p.firstLba() + ")"));
                continue;
            }
            if (Long.compareUnsigned(p.lastLba(), lastLba) > 0) {
                f.add(new Finding(Severity.PROBLEM, "past-end", "partition " + p.number() + " (LBA " + p.firstLba()
                        + ".." + Long.toUnsignedString(p.lastLba()) + ") runs past the end of the disk (LBA "
                        + lastLba + ")"));
            } else if (p.lastLba() > t.lastUsableLba()) {
                f.add(new Finding(Severity.PROBLEM, "after-last-usable", "partition " + p.number() + " ends at LBA "
                        + p.lastLba() + ", after the last usable LBA " + t.lastUsableLba()
                        + " (it overlaps the backup table)"));
            }
            if (p.firstLba() < t.firstUsableLba()) {
                f.add(new Finding(Severity.PROBLEM, "before-first-usable", "partition " + p.number()
                        + " starts at LBA " + p.firstLba() + ", before the first usable LBA " + t.firstUsableLba()
                        + " (it overlaps the primary table)"));
            }
            if (p.firstLba() % t.alignment() != 0) {
                f.add(new Finding(Severity.NOTE, "unaligned", "partition " + p.number() + " does not start on a "
                        + t.alignment() + "-sector (1 MiB) boundary"));
            }
            Integer other = guids.putIfAbsent(p.partitionGuid(), p.number());
            if (other != null && !p.partitionGuid().equals(Guids.ZERO)) {
                f.add(new Finding(Severity.WARNING, "duplicate-guid", "partitions " + other + " and " + p.number()
                        + " share the partition GUID " + p.partitionGuid()));
            }
        }
        ps.removeIf(p -> p.lastLba() < p.firstLba());
        ps.sort(Comparator.comparingLong(GptPartition::firstLba));
        for (int i = 0; i < ps.size(); i++) {
            for (int j = i + 1; j < ps.size() && ps.get(j).firstLba() <= ps.get(i).lastLba(); j++) {
                GptPartition a = ps.get(i);
                GptPartition c = ps.get(j);
                f.add(new Finding(Severity.PROBLEM, "overlap", "partitions " + a.number() + " (LBA " + a.firstLba()
                        + ".." + a.lastLba() + ") and " + c.number() + " (LBA " + c.firstLba() + ".." + c.lastLba()
                        + ") overlap"));
            }
        }
    }

    private static void mbrFindings(List<Finding> f, MbrSector mbr, GptTable t, long lastLba) {
        switch (t.report().mbrState()) {
            case MISSING -> f.add(new Finding(Severity.PROBLEM, "mbr-missing",
                    "no protective MBR (sector 0 lacks the 55 AA signature); 'part repair' writes one"));
            case NOT_PROTECTIVE -> f.add(new Finding(Severity.PROBLEM, "mbr-not-protective",
                    "the MBR has no 0xEE entry protecting the GPT; 'part repair' replaces it"));
            case PROTECTIVE, HYBRID -> {
                int ee = 0;
                for (int i = 0; i < 4; i++) {
                    MbrPartitionEntry e = mbr.entries().get(i);
                    if (e.type() == MbrPartitionEntry.TYPE_GPT_PROTECTIVE) {
                        ee++;
                        if (e.firstLba() != 1) {
                            f.add(new Finding(Severity.WARNING, "mbr-ee-start", "the 0xEE MBR entry starts at LBA "
                                    + e.firstLba() + ", not 1"));
                        }
                        long expect = Math.min(lastLba, 0xffffffffL);
                        if (!t.isHybrid() && e.sectors() != expect) {
                            f.add(new Finding(Severity.WARNING, "mbr-ee-size", "the protective MBR entry covers "
                                    + e.sectors() + " sectors, the disk " + expect + " after LBA 0"));
                        }
                    } else if (!e.isEmpty()) {
                        boolean match = t.partitions().stream().anyMatch(
                                p -> p.firstLba() == e.firstLba() && p.lastLba() == e.lastLba());
                        if (!match) {
                            f.add(new Finding(Severity.PROBLEM, "hybrid-mismatch", String.format(
                                    "hybrid MBR entry %d (type 0x%02x, LBA %d..%d) has no matching GPT partition",
                                    i + 1, e.type(), e.firstLba(), e.lastLba())));
                        }
                    }
                }
                if (ee > 1) {
                    f.add(new Finding(Severity.WARNING, "mbr-ee-count", "more than one 0xEE MBR entry"));
                }
                if (t.isHybrid()) {
                    f.add(new Finding(Severity.NOTE, "hybrid", "the MBR is a hybrid MBR; imgtool leaves it as it is"));
                }
            }
            default -> throw new IllegalStateException();
        }
    }

    static Verification verifyMbr(MbrTable t) {
        List<Finding> f = new ArrayList<>();
        for (String p : t.problems()) {
            f.add(new Finding(Severity.PROBLEM, p.startsWith("EBR") || p.contains("logical") ? "ebr" : "past-end", p));
        }
        List<MbrPartition> data = new ArrayList<>(t.dataPartitions());
        data.sort(Comparator.comparingLong(MbrPartition::firstLba));
        for (int i = 0; i < data.size(); i++) {
            for (int j = i + 1; j < data.size() && data.get(j).firstLba() <= data.get(i).lastLba(); j++) {
                MbrPartition a = data.get(i);
                MbrPartition c = data.get(j);
                f.add(new Finding(Severity.PROBLEM, "overlap", "partitions " + a.number() + " (LBA " + a.firstLba()
                        + ".." + a.lastLba() + ") and " + c.number() + " (LBA " + c.firstLba() + ".." + c.lastLba()
                        + ") overlap"));
            }
        }
        List<MbrPartition> primaries = t.partitions().stream().filter(p -> p.kind() != MbrPartition.Kind.LOGICAL)
                .sorted(Comparator.comparingLong(MbrPartition::firstLba)).toList();
        for (int i = 1; i < primaries.size(); i++) {
            MbrPartition a = primaries.get(i - 1);
            MbrPartition c = primaries.get(i);
            if (c.firstLba() <= a.lastLba() && (a.kind() == MbrPartition.Kind.EXTENDED
                    || c.kind() == MbrPartition.Kind.EXTENDED)) {
                f.add(new Finding(Severity.PROBLEM, "overlap", "partitions " + a.number() + " and " + c.number()
                        + " overlap"));
            }
        }
        return new Verification(PartitionTable.Scheme.MBR, f);
    }
}
