package io.imgtool.gpt;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.BlockDevices;
import io.imgtool.core.ImageException;
import io.imgtool.core.ImageFormatException;
import io.imgtool.gpt.ondisk.GptEntry;
import io.imgtool.gpt.ondisk.GptHeader;
import io.imgtool.gpt.ondisk.Guids;
import io.imgtool.gpt.ondisk.MbrPartitionEntry;
import io.imgtool.gpt.ondisk.MbrSector;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.random.RandomGenerator;

/**
 * A GUID partition table: an immutable value read from a disk (or created), edited by methods that
 * return a changed copy, and written back with {@link #write}, which always writes both copies and
 * the protective MBR consistently.
 *
 * <p>Reading takes the primary copy when its header and entry array are intact, otherwise the backup,
 * and says so in {@link #report()}. Editing checks every request against the table (overlaps, the
 * usable area, free entries) and throws {@link ImageException} of kind {@code INVALID_ARGUMENT}
 * before anything is written. {@link #write} validates the whole result again, then writes in an
 * order that leaves at least one intact copy on disk at every moment: backup array, backup header,
 * flush, primary array, primary header, flush, protective MBR.
 *
 * <pre>{@code
 * GptTable t = GptTable.read(disk, 512);
 * t.rename(3, "SLX_SYS").write(disk);
 * }</pre>
 */
public final class GptTable implements PartitionTable {

    /** Which copy a table came from. */
    public enum Source { PRIMARY, BACKUP, CREATED }

    /** What sector 0 holds. */
    public enum MbrState {
        /** A protective MBR: one 0xEE entry, nothing else. */
        PROTECTIVE,
        /** A hybrid MBR: a 0xEE entry plus MBR partitions mirroring GPT ones (kept as they are). */
        HYBRID,
        /** No 55 AA signature: no MBR at all. Writing creates a protective one. */
        MISSING,
        /** An MBR without a 0xEE entry. Writing replaces it with a protective one. */
        NOT_PROTECTIVE
    }

    /**
     * How the table was found.
     *
     * @param source the copy the partitions were read from
     * @param primaryProblem what is wrong with the primary header or array, null when intact
     * @param backupProblem what is wrong with the backup header or array, null when intact
     * @param differences ways in which two intact copies disagree (empty when they match)
     * @param mbrState what sector 0 holds
     */
    public record ReadReport(Source source, String primaryProblem, String backupProblem, List<String> differences,
                             MbrState mbrState) {

        public ReadReport {
            differences = List.copyOf(differences);
        }

        /** Whether both copies are intact and agree and the MBR protects the disk. */
        public boolean healthy() {
            return primaryProblem == null && backupProblem == null && differences.isEmpty()
                    && (mbrState == MbrState.PROTECTIVE || mbrState == MbrState.HYBRID);
        }
    }

    /** A run of unused sectors inside the usable area. */
    public record FreeRegion(long firstLba, long lastLba) {
        public long sectors() {
            return lastLba - firstLba + 1;
        }
    }

    private static final long ONE_MIB = 1 << 20;

    private final int sectorSize;
    private final GptHeader template;
    private final long primaryEntriesLba;
    private final long backupLba;
    private final long backupEntriesLba;
    private final List<GptEntry> entries;
    private final MbrSector mbr;
    private final ReadReport report;
    /** A backup header location to clear on write (the old one after a move), or -1. */
    private final long staleBackupLba;

    private GptTable(int sectorSize, GptHeader template, long primaryEntriesLba, long backupLba,
                     long backupEntriesLba, List<GptEntry> entries, MbrSector mbr, ReadReport report,
                     long staleBackupLba) {
        this.sectorSize = sectorSize;
        this.template = template;
        this.primaryEntriesLba = primaryEntriesLba;
        this.backupLba = backupLba;
        this.backupEntriesLba = backupEntriesLba;
        this.entries = List.copyOf(entries);
        this.mbr = mbr;
        this.report = report;
        this.staleBackupLba = staleBackupLba;
    }

    private GptTable with(GptHeader t, List<GptEntry> e) {
        return new GptTable(sectorSize, t, primaryEntriesLba, backupLba, backupEntriesLba, e, mbr, report,
                staleBackupLba);
    }

    // ---- reading and creating ----------------------------------------------------------------

    /**
     * Reads the GPT of {@code disk} with logical sectors of {@code sectorSize} (512 or 4096) bytes,
     * from the primary copy or, when that is damaged, from the backup ({@link #report()} tells).
     *
     * @throws ImageFormatException when neither copy is usable, naming what is wrong with each
     */
    public static GptTable read(BlockDevice disk, int sectorSize) throws IOException {
        GptReader.Raw raw = GptReader.read(disk, sectorSize);
        return fromRaw(raw);
    }

    static GptTable fromRaw(GptReader.Raw raw) throws ImageFormatException {
        GptReader.Copy p = raw.primary();
        GptReader.Copy b = raw.backup();
        GptReader.Copy used;
        Source source;
        if (p.usable()) {
            used = p;
            source = Source.PRIMARY;
        } else if (b.usable()) {
            used = b;
            source = Source.BACKUP;
        } else {
            throw new ImageFormatException("GPT", null, -1, null, "no intact copy: "
                    + (p.summary() == null ? "primary entry array unreadable" : p.summary()) + "; "
                    + (b.summary() == null ? "backup entry array unreadable" : b.summary()));
        }
        GptHeader h = used.header();
        int sectorSize = raw.sectorSize();
        List<GptEntry> entries = parseEntries(used.array(), h);
        long arraySectors = h.arraySectors(sectorSize);
        long primaryEntries = p.headerValid() ? p.header().entriesLba() : 2;
        long backupLba;
        long backupEntries;
        if (b.headerValid()) {
            backupLba = b.lba();
            backupEntries = b.header().entriesLba();
        } else {
            backupLba = p.headerValid() ? p.header().alternateLba() : raw.lastLba();
            backupEntries = backupLba - arraySectors;
        }
        List<String> differences = p.usable() && b.usable() ? differences(p, b) : List.of();
        ReadReport report = new ReadReport(source, p.summary(), b.summary(), differences, mbrState(raw.mbr()));
        return new GptTable(sectorSize, h, primaryEntries, backupLba, backupEntries, entries, raw.mbr(), report, -1);
    }

    static List<GptEntry> parseEntries(byte[] array, GptHeader h) {
        int size = (int) h.entrySize();
        int count = (int) h.entryCount();
        List<GptEntry> out = new ArrayList<>(count);
        ByteBuffer b = ByteBuffer.wrap(array);
        for (int i = 0; i < count; i++) {
            out.add(GptEntry.parse(b, i * size, size));
        }
        return out;
    }

    static MbrState mbrState(MbrSector mbr) {
        if (mbr == null) {
            return MbrState.MISSING;
        }
        if (!mbr.hasGptProtective()) {
            return MbrState.NOT_PROTECTIVE;
        }
        boolean others = mbr.entries().stream()
                .anyMatch(e -> !e.isEmpty() && e.type() != MbrPartitionEntry.TYPE_GPT_PROTECTIVE);
        return others ? MbrState.HYBRID : MbrState.PROTECTIVE;
    }

    private static List<String> differences(GptReader.Copy p, GptReader.Copy b) {
        List<String> d = new ArrayList<>();
        GptHeader ph = p.header();
        GptHeader bh = b.header();
        if (ph.alternateLba() != bh.myLba()) {
            d.add("primary header's alternate LBA " + ph.alternateLba() + " is not the backup header's LBA "
                    + bh.myLba());
        }
        if (bh.alternateLba() != ph.myLba()) {
            d.add("backup header's alternate LBA " + bh.alternateLba() + " is not the primary header's LBA 1");
        }
        if (ph.firstUsableLba() != bh.firstUsableLba()) {
            d.add("first usable LBA differs: primary " + ph.firstUsableLba() + ", backup " + bh.firstUsableLba());
        }
        if (ph.lastUsableLba() != bh.lastUsableLba()) {
            d.add("last usable LBA differs: primary " + ph.lastUsableLba() + ", backup " + bh.lastUsableLba());
        }
        if (!ph.diskGuid().equals(bh.diskGuid())) {
            d.add("disk GUID differs: primary " + ph.diskGuid() + ", backup " + bh.diskGuid());
        }
        if (ph.entryCount() != bh.entryCount()) {
            d.add("number of entries differs: primary " + ph.entryCount() + ", backup " + bh.entryCount());
        }
        if (ph.entrySize() != bh.entrySize()) {
            d.add("entry size differs: primary " + ph.entrySize() + ", backup " + bh.entrySize());
        }
        if (ph.entryCount() == bh.entryCount() && ph.entrySize() == bh.entrySize()
                && !java.util.Arrays.equals(p.array(), b.array())) {
            d.add("the primary and backup entry arrays differ");
        }
        return d;
    }

    /**
     * A new, empty GPT for {@code disk} (in memory until {@link #write}): 128 entries of 128 bytes,
     * the primary array at LBA 2, the backup at the end of the disk. The boot code and disk signature
     * of an existing MBR are kept when the protective MBR is written.
     */
    public static GptTable create(BlockDevice disk, int sectorSize, UUID diskGuid) throws IOException {
        return create(disk, sectorSize, diskGuid, GptHeader.DEFAULT_ENTRY_COUNT);
    }

    /** Like {@link #create(BlockDevice, int, UUID)} with {@code entryCount} entries (at least 128 is usual). */
    public static GptTable create(BlockDevice disk, int sectorSize, UUID diskGuid, int entryCount) throws IOException {
        GptReader.checkSectorSize(sectorSize);
        if (entryCount < 1 || (long) entryCount * GptEntry.SIZE > GptHeader.MAX_ARRAY_BYTES) {
            throw ImageException.invalidArgument("entry count " + entryCount + " outside 1.."
                    + GptHeader.MAX_ARRAY_BYTES / GptEntry.SIZE);
        }
        long sectors = disk.size() / sectorSize;
        long arraySectors = ((long) entryCount * GptEntry.SIZE + sectorSize - 1) / sectorSize;
        long firstUsable = 2 + arraySectors;
        long backupLba = sectors - 1;
        long backupEntries = backupLba - arraySectors;
        long lastUsable = backupEntries - 1;
        if (lastUsable < firstUsable) {
            throw ImageException.invalidArgument("disk of " + disk.size() + " bytes is too small for a GPT with "
                    + entryCount + " entries");
        }
        GptHeader h = GptHeader.create(sectorSize, diskGuid, 1, backupLba, firstUsable, lastUsable, 2, entryCount,
                GptEntry.SIZE);
        List<GptEntry> entries = Collections.nCopies(entryCount, GptEntry.empty(GptEntry.SIZE));
        MbrSector mbr = GptReader.readMbr(disk);
        ReadReport report = new ReadReport(Source.CREATED, null, null, List.of(), mbrState(mbr));
        // An old MBR partition table is replaced, not turned into a hybrid: keep only its boot code.
        return new GptTable(sectorSize, h, 2, backupLba, backupEntries, entries, mbr, report, -1);
    }

    // ---- accessors ----------------------------------------------------------------------------

    @Override
    public Scheme scheme() {
        return Scheme.GPT;
    }

    @Override
    public int sectorSize() {
        return sectorSize;
    }

    public UUID diskGuid() {
        return template.diskGuid();
    }

    public long firstUsableLba() {
        return template.firstUsableLba();
    }

    public long lastUsableLba() {
        return template.lastUsableLba();
    }

    public int entryCount() {
        return (int) template.entryCount();
    }

    public int entrySize() {
        return (int) template.entrySize();
    }

    public long primaryEntriesLba() {
        return primaryEntriesLba;
    }

    /** LBA of the backup header (the last LBA of the disk, unless the disk grew or shrank since). */
    public long backupLba() {
        return backupLba;
    }

    public long backupEntriesLba() {
        return backupEntriesLba;
    }

    /** How the table was read. */
    public ReadReport report() {
        return report;
    }

    /** The MBR found in sector 0 (null when it has no 55 AA signature). */
    public MbrSector mbr() {
        return mbr;
    }

    /** Whether sector 0 holds a hybrid MBR (0xEE plus partitions), which writes leave untouched. */
    public boolean isHybrid() {
        return report.mbrState() == MbrState.HYBRID;
    }

    /** Every entry slot, used or not, in order. */
    public List<GptEntry> entries() {
        return entries;
    }

    /** The used entries as partitions, by number. */
    @Override
    public List<GptPartition> partitions() {
        List<GptPartition> out = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            GptEntry e = entries.get(i);
            if (!e.isEmpty()) {
                out.add(toPartition(i + 1, e));
            }
        }
        return out;
    }

    private GptPartition toPartition(int number, GptEntry e) {
        return new GptPartition(number, e.firstLba(), e.lastLba(), sectorSize, PartitionType.of(e.typeGuid()),
                e.partitionGuid(), e.name(), e.attributes());
    }

    @Override
    public GptPartition partition(int number) throws ImageException {
        return toPartition(number, used(number));
    }

    /** The alignment of new partitions in sectors: 1 MiB. */
    public long alignment() {
        return Math.max(1, ONE_MIB / sectorSize);
    }

    /** The first unused entry number, or 0 when all are used. */
    public int firstFreeNumber() {
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).isEmpty()) {
                return i + 1;
            }
        }
        return 0;
    }

    /** Unused runs of sectors in the usable area, in order. */
    public List<FreeRegion> freeRegions() {
        return freeRegions(-1);
    }

    private List<FreeRegion> freeRegions(int ignoreNumber) {
        List<GptEntry> used = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            if (!entries.get(i).isEmpty() && i + 1 != ignoreNumber) {
                used.add(entries.get(i));
            }
        }
        used.sort(Comparator.comparingLong(GptEntry::firstLba));
        List<FreeRegion> out = new ArrayList<>();
        long pos = firstUsableLba();
        for (GptEntry e : used) {
            if (e.firstLba() > pos) {
                out.add(new FreeRegion(pos, Math.min(e.firstLba() - 1, lastUsableLba())));
            }
            pos = Math.max(pos, e.lastLba() + 1);
            if (pos > lastUsableLba()) {
                break;
            }
        }
        if (pos <= lastUsableLba()) {
            out.add(new FreeRegion(pos, lastUsableLba()));
        }
        out.removeIf(r -> r.lastLba() < r.firstLba());
        return out;
    }

    // ---- editing: each returns a changed copy ---------------------------------------------------

    private GptEntry used(int number) throws ImageException {
        if (number < 1 || number > entries.size() || entries.get(number - 1).isEmpty()) {
            throw ImageException.invalidArgument("partition " + number + " does not exist"
                    + (partitions().isEmpty() ? " (the table is empty)"
                    : " (partitions: " + numbers() + ")"));
        }
        return entries.get(number - 1);
    }

    private String numbers() {
        StringBuilder sb = new StringBuilder();
        for (GptPartition p : partitions()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(p.number());
        }
        return sb.toString();
    }

    private GptTable replace(int number, GptEntry e) {
        List<GptEntry> l = new ArrayList<>(entries);
        l.set(number - 1, e);
        return with(template, l);
    }

    /**
     * Adds a partition. Positions not given are chosen as {@link NewPartition} describes; a random
     * partition GUID is drawn from {@code random} unless the request carries one.
     */
    public GptTable add(NewPartition p, RandomGenerator random) throws ImageException {
        int number = p.number() == 0 ? firstFreeNumber() : p.number();
        if (number == 0) {
            throw ImageException.invalidArgument("all " + entries.size() + " entries of the table are in use");
        }
        if (number > entries.size()) {
            throw ImageException.invalidArgument("partition number " + number + " is beyond the table's "
                    + entries.size() + " entries");
        }
        if (!entries.get(number - 1).isEmpty()) {
            throw ImageException.invalidArgument("partition " + number + " already exists");
        }
        List<FreeRegion> free = freeRegions();
        long align = alignment();
        long first;
        long last;
        if (p.firstLba() >= 0) {
            first = p.firstLba();
        } else if (p.sectors() > 0 || p.lastLba() >= 0) {
            first = -1;
            for (FreeRegion r : free) {
                long start = alignUp(r.firstLba(), align);
                long end = p.sectors() > 0 ? start + p.sectors() - 1 : p.lastLba();
                if (start <= r.lastLba() && end <= r.lastLba() && end >= start) {
                    first = start;
                    break;
                }
            }
            if (first < 0) {
                throw ImageException.invalidArgument("no free region holds " + (p.sectors() > 0
                        ? p.sectors() + " sectors" : "a partition ending at " + p.lastLba())
                        + " at a 1 MiB boundary (free: " + describe(free) + ")");
            }
        } else {
            FreeRegion best = null;
            for (FreeRegion r : free) {
                if (alignUp(r.firstLba(), align) <= r.lastLba() && (best == null || r.sectors() > best.sectors())) {
                    best = r;
                }
            }
            if (best == null) {
                throw ImageException.invalidArgument("no free space left in the usable area");
            }
            first = alignUp(best.firstLba(), align);
        }
        FreeRegion region = null;
        for (FreeRegion r : free) {
            if (first >= r.firstLba() && first <= r.lastLba()) {
                region = r;
            }
        }
        if (region == null) {
            throw ImageException.invalidArgument("sector " + first + " is not free (free: " + describe(free) + ")");
        }
        if (p.lastLba() >= 0) {
            last = p.lastLba();
        } else if (p.sectors() > 0) {
            try {
                last = Math.addExact(first, p.sectors() - 1);
            } catch (ArithmeticException e) {
                throw ImageException.invalidArgument("size " + p.sectors() + " sectors is too large");
            }
        } else {
            last = region.lastLba();
        }
        if (last < first || last > region.lastLba()) {
            throw ImageException.invalidArgument("sectors " + first + ".." + last + " are not free (the free region "
                    + "there is " + region.firstLba() + ".." + region.lastLba() + ")");
        }
        UUID guid = p.partitionGuid() != null ? p.partitionGuid() : Guids.random(random);
        if (p.type().guid().equals(Guids.ZERO)) {
            throw ImageException.invalidArgument("the all-zero type GUID marks an unused entry");
        }
        GptEntry e = GptEntry.of(p.type().guid(), guid, first, last, p.attributes(), "", entrySize());
        return replace(number, withNameChecked(e, p.name()));
    }

    private static GptEntry withNameChecked(GptEntry e, String name) throws ImageException {
        try {
            return e.withName(name);
        } catch (IllegalArgumentException ex) {
            throw ImageException.invalidArgument(ex.getMessage());
        }
    }

    private static String describe(List<FreeRegion> free) {
        if (free.isEmpty()) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        for (FreeRegion r : free) {
            sb.append(sb.length() == 0 ? "" : ", ").append(r.firstLba()).append("..").append(r.lastLba());
        }
        return sb.toString();
    }

    static long alignUp(long lba, long align) {
        long r = lba % align;
        return r == 0 ? lba : lba + (align - r);
    }

    /** Removes partition {@code number} (its entry becomes all zeroes). */
    public GptTable delete(int number) throws ImageException {
        used(number);
        return replace(number, GptEntry.empty(entrySize()));
    }

    /**
     * Moves the end of partition {@code number} to {@code newLastLba} (growing or shrinking it; the
     * start stays). The filesystem inside is not touched. The new end must not run into another
     * partition or past the usable area.
     */
    public GptTable resize(int number, long newLastLba) throws ImageException {
        GptEntry e = used(number);
        if (newLastLba < e.firstLba()) {
            throw ImageException.invalidArgument("partition " + number + " starts at " + e.firstLba()
                    + "; it cannot end at " + newLastLba);
        }
        long max = maxLastLba(number);
        if (newLastLba > max) {
            throw ImageException.invalidArgument("partition " + number + " can grow to LBA " + max
                    + " at most (the next partition or the end of the usable area), not " + newLastLba);
        }
        return replace(number, e.withRange(e.firstLba(), newLastLba));
    }

    /** The largest end partition {@code number} could have: before the next partition or the usable end. */
    public long maxLastLba(int number) throws ImageException {
        GptEntry e = used(number);
        for (FreeRegion r : freeRegions(number)) {
            if (e.firstLba() >= r.firstLba() && e.firstLba() <= r.lastLba()) {
                return r.lastLba();
            }
        }
        throw ImageException.invalidArgument("partition " + number + " (" + e.firstLba() + ".." + e.lastLba()
                + ") overlaps another partition or lies outside the usable area " + firstUsableLba() + ".."
                + lastUsableLba());
    }

    /** Sets the partition name (at most 36 UTF-16 code units). */
    public GptTable rename(int number, String name) throws ImageException {
        return replace(number, withNameChecked(used(number), name));
    }

    public GptTable withType(int number, PartitionType type) throws ImageException {
        if (type.guid().equals(Guids.ZERO)) {
            throw ImageException.invalidArgument("the all-zero type GUID marks an unused entry; use delete");
        }
        return replace(number, used(number).withType(type.guid()));
    }

    public GptTable withPartitionGuid(int number, UUID guid) throws ImageException {
        return replace(number, used(number).withPartitionGuid(guid));
    }

    /** Replaces all 64 attribute bits of partition {@code number}. */
    public GptTable withAttributes(int number, long attributes) throws ImageException {
        return replace(number, used(number).withAttributes(attributes));
    }

    public GptTable withDiskGuid(UUID guid) {
        return with(template.withDiskGuid(guid), entries);
    }

    /** New random disk GUID and partition GUIDs, like {@code sgdisk -G}. */
    public GptTable randomizeGuids(RandomGenerator random) {
        List<GptEntry> l = new ArrayList<>(entries.size());
        UUID disk = Guids.random(random);
        for (GptEntry e : entries) {
            l.add(e.isEmpty() ? e : e.withPartitionGuid(Guids.random(random)));
        }
        return with(template.withDiskGuid(disk), l);
    }

    /**
     * Moves the backup header and array to the end of a disk of {@code diskSectors} sectors and sets
     * the last usable LBA accordingly, like {@code sgdisk -e}: after an image grew (the new space
     * becomes usable) or to repair a table whose backup is not at the end. Fails when a partition
     * would lie past the new usable end (a shrunken disk).
     */
    public GptTable withBackupAtEnd(long diskSectors) throws ImageException {
        long arraySectors = template.arraySectors(sectorSize);
        long newBackup = diskSectors - 1;
        long newEntries = newBackup - arraySectors;
        long newLastUsable = newEntries - 1;
        if (newLastUsable < firstUsableLba()) {
            throw ImageException.invalidArgument("a disk of " + diskSectors + " sectors is too small for this table");
        }
        for (GptPartition p : partitions()) {
            if (p.lastLba() > newLastUsable) {
                throw ImageException.invalidArgument("partition " + p.number() + " ends at LBA " + p.lastLba()
                        + ", past the last usable LBA " + newLastUsable + " of a disk of " + diskSectors
                        + " sectors; shrink or delete it first");
            }
        }
        long stale = backupLba != newBackup && backupLba < diskSectors ? backupLba : staleBackupLba;
        return new GptTable(sectorSize, template.withUsable(firstUsableLba(), newLastUsable), primaryEntriesLba,
                newBackup, newEntries, entries, mbr, report, stale);
    }

    // ---- repair ----------------------------------------------------------------------------------

    /**
     * What {@link #repair} found and did.
     *
     * @param before the verification before the repair
     * @param source the copy the repaired table was built from
     * @param written whether anything was written (false when nothing needed repair, or on a dry run)
     */
    public record RepairResult(Verification before, Source source, boolean written) {
    }

    /**
     * Rebuilds a damaged or misplaced GPT from its intact copy: both headers and arrays are written
     * again from the copy {@link #read} chooses, the backup at the end of the disk (like
     * {@code sgdisk -e}), and a protective MBR where there was none (a hybrid MBR is kept). Nothing is
     * written when verification finds no problem and the protective MBR fits the disk, or when
     * {@code dryRun}. Fails
     * without writing when no copy is intact, or when partitions overlap or lie outside the usable
     * area (delete or resize them first: imgtool does not guess which partition is right).
     */
    public static RepairResult repair(BlockDevice disk, int sectorSize, boolean dryRun) throws IOException {
        Verification before = GptVerifier.verifyGpt(disk, sectorSize);
        GptTable t = read(disk, sectorSize);
        boolean needed = !before.ok() || before.has("mbr-ee-size") || before.has("mbr-ee-start");
        if (!needed) {
            return new RepairResult(before, t.report().source(), false);
        }
        GptTable fixed = t.withBackupAtEnd(disk.size() / sectorSize);
        fixed.validate(disk.size() / sectorSize);
        if (dryRun) {
            return new RepairResult(before, t.report().source(), false);
        }
        fixed.write(disk);
        return new RepairResult(before, t.report().source(), true);
    }

    // ---- writing --------------------------------------------------------------------------------

    /**
     * Checks that the table is consistent for a disk of {@code diskSectors} sectors: the structures
     * fit, every partition lies in the usable area, none overlap. Throws INVALID_ARGUMENT naming the
     * first problem.
     */
    public void validate(long diskSectors) throws ImageException {
        long arraySectors = template.arraySectors(sectorSize);
        if (backupLba >= diskSectors) {
            throw ImageException.invalidArgument("the backup GPT header at LBA " + backupLba
                    + " lies past the end of the disk (" + diskSectors + " sectors); repair or move-backup first");
        }
        if (primaryEntriesLba < 2 || primaryEntriesLba + arraySectors > firstUsableLba()) {
            throw ImageException.invalidArgument("the primary entry array (LBA " + primaryEntriesLba + ", "
                    + arraySectors + " sectors) does not fit before the first usable LBA " + firstUsableLba());
        }
        if (backupEntriesLba <= lastUsableLba() || backupEntriesLba + arraySectors > backupLba) {
            throw ImageException.invalidArgument("the backup entry array (LBA " + backupEntriesLba + ", "
                    + arraySectors + " sectors) does not fit between the last usable LBA " + lastUsableLba()
                    + " and the backup header at " + backupLba);
        }
        if (firstUsableLba() > lastUsableLba() + 1) {
            throw ImageException.invalidArgument("first usable LBA " + firstUsableLba() + " is past the last "
                    + lastUsableLba());
        }
        List<GptPartition> ps = new ArrayList<>(partitions());
        for (GptPartition p : ps) {
            if (p.lastLba() < p.firstLba()) {
                throw ImageException.invalidArgument("partition " + p.number() + " ends (" + p.lastLba()
                        + ") before it starts (" + p.firstLba() + ")");
            }
            if (p.firstLba() < firstUsableLba() || p.lastLba() > lastUsableLba()) {
                throw ImageException.invalidArgument("partition " + p.number() + " (" + p.firstLba() + ".."
                        + p.lastLba() + ") lies outside the usable area " + firstUsableLba() + ".." + lastUsableLba());
            }
        }
        ps.sort(Comparator.comparingLong(GptPartition::firstLba));
        for (int i = 1; i < ps.size(); i++) {
            GptPartition a = ps.get(i - 1);
            GptPartition b = ps.get(i);
            if (b.firstLba() <= a.lastLba()) {
                throw ImageException.invalidArgument("partitions " + a.number() + " (" + a.firstLba() + ".."
                        + a.lastLba() + ") and " + b.number() + " (" + b.firstLba() + ".." + b.lastLba()
                        + ") overlap");
            }
        }
    }

    /** The entry array as it will be written. */
    byte[] arrayBytes() {
        byte[] out = new byte[Math.toIntExact(template.arrayBytes())];
        ByteBuffer b = ByteBuffer.wrap(out);
        for (int i = 0; i < entries.size(); i++) {
            entries.get(i).writeTo(b, i * entrySize());
        }
        return out;
    }

    /** The primary header as it will be written (CRCs computed). */
    public GptHeader primaryHeader() {
        int crc = GptReader.crc32(arrayBytes());
        return template.withLocation(1, backupLba, primaryEntriesLba).withEntriesCrc(crc).withComputedCrc();
    }

    /** The backup header as it will be written (CRCs computed). */
    public GptHeader backupHeader() {
        int crc = GptReader.crc32(arrayBytes());
        return template.withLocation(backupLba, 1, backupEntriesLba).withEntriesCrc(crc).withComputedCrc();
    }

    /**
     * The MBR sector 0 will hold: a hybrid MBR stays as it is; anything else becomes a protective MBR
     * for a disk of {@code diskSectors} sectors that keeps the old boot code and disk signature.
     */
    public MbrSector mbrToWrite(long diskSectors) {
        if (isHybrid()) {
            return mbr;
        }
        return MbrSector.protective(mbr, diskSectors - 1);
    }

    /**
     * Writes the table to {@code disk}: both copies and the protective MBR, validated first.
     * Nothing is written if validation fails.
     */
    public void write(BlockDevice disk) throws IOException {
        BlockDevices.checkWritable(disk);
        long diskSectors = disk.size() / sectorSize;
        validate(diskSectors);
        byte[] array = arrayBytes();
        int crc = GptReader.crc32(array);
        GptHeader primary = template.withLocation(1, backupLba, primaryEntriesLba).withEntriesCrc(crc)
                .withComputedCrc();
        GptHeader backup = template.withLocation(backupLba, 1, backupEntriesLba).withEntriesCrc(crc)
                .withComputedCrc();
        MbrSector newMbr = mbrToWrite(diskSectors);

        disk.write(ByteBuffer.wrap(array), backupEntriesLba * sectorSize);
        disk.write(ByteBuffer.wrap(backup.toBytes()), backupLba * sectorSize);
        disk.flush();
        disk.write(ByteBuffer.wrap(array), primaryEntriesLba * sectorSize);
        disk.write(ByteBuffer.wrap(primary.toBytes()), sectorSize);
        disk.flush();
        if (!newMbr.equals(mbr)) {
            disk.write(ByteBuffer.wrap(newMbr.toBytes()), 0);
        }
        if (staleBackupLba > 1 && staleBackupLba != backupLba && staleBackupLba < diskSectors
                && !insidePartition(staleBackupLba) && !insideStructures(staleBackupLba)) {
            clearStaleBackup(disk); // the header the move left behind, so nothing mistakes it for the backup
        }
        disk.flush();
    }

    private void clearStaleBackup(BlockDevice disk) throws IOException {
        byte[] sector = disk.readBytes(staleBackupLba * sectorSize, sectorSize);
        if (GptHeader.parse(ByteBuffer.wrap(sector), sectorSize).signature() == GptHeader.SIGNATURE) {
            disk.write(ByteBuffer.allocate(sectorSize), staleBackupLba * sectorSize);
        }
    }

    private boolean insidePartition(long lba) {
        for (GptEntry e : entries) {
            if (!e.isEmpty() && lba >= e.firstLba() && lba <= e.lastLba()) {
                return true;
            }
        }
        return false;
    }

    private boolean insideStructures(long lba) {
        long n = template.arraySectors(sectorSize);
        return lba <= 1 || (lba >= primaryEntriesLba && lba < primaryEntriesLba + n)
                || (lba >= backupEntriesLba && lba <= backupLba);
    }

    @Override
    public String toString() {
        return "GPT disk " + diskGuid() + ", " + partitions().size() + " partitions, usable " + firstUsableLba()
                + ".." + lastUsableLba() + " (" + sectorSize + "-byte sectors)";
    }

    /** Entry number whose partition contains {@code lba}, if any. */
    public Optional<GptPartition> partitionAt(long lba) {
        return partitions().stream().filter(p -> lba >= p.firstLba() && lba <= p.lastLba()).findFirst();
    }
}
