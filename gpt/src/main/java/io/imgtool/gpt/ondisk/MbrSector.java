package io.imgtool.gpt.ondisk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The 512-byte master boot record (also the layout of an extended boot record): 440 bytes of boot
 * code, the 32-bit disk signature at 440, two reserved bytes at 444, four 16-byte partition entries
 * at 446 and the boot signature {@code 55 AA} at 510. Everything outside the entries is kept as read.
 *
 * <p>On a disk with 4096-byte sectors the MBR still occupies the first 512 bytes of LBA 0; the rest
 * of that sector is not part of this structure.
 */
public record MbrSector(byte[] bootCode, long diskSignature, int reserved, List<MbrPartitionEntry> entries,
                        int bootSignature) {

    public static final int SIZE = 512;
    public static final int BOOT_CODE_SIZE = 440;
    public static final int ENTRIES_OFFSET = 446;
    public static final int BOOT_SIGNATURE = 0xAA55;

    public MbrSector {
        if (bootCode.length != BOOT_CODE_SIZE || entries.size() != 4) {
            throw new IllegalArgumentException("MBR needs 440 bytes of boot code and 4 entries");
        }
        bootCode = bootCode.clone();
        entries = List.copyOf(entries);
    }

    /** Parses the 512 bytes at the buffer's position (the position does not move). */
    public static MbrSector parse(ByteBuffer sector) {
        if (sector.remaining() < SIZE) {
            throw new IllegalArgumentException("an MBR needs 512 bytes, got " + sector.remaining());
        }
        ByteBuffer b = sector.slice(sector.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        byte[] code = new byte[BOOT_CODE_SIZE];
        b.get(0, code);
        List<MbrPartitionEntry> entries = new ArrayList<>(4);
        for (int i = 0; i < 4; i++) {
            entries.add(MbrPartitionEntry.parse(b, ENTRIES_OFFSET + i * MbrPartitionEntry.SIZE));
        }
        return new MbrSector(code, b.getInt(440) & 0xffffffffL, b.getShort(444) & 0xffff, entries,
                b.getShort(510) & 0xffff);
    }

    /** Writes the 512 bytes at the buffer's position (the position does not move). */
    public void writeTo(ByteBuffer sector) {
        ByteBuffer b = sector.slice(sector.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, bootCode);
        b.putInt(440, (int) diskSignature);
        b.putShort(444, (short) reserved);
        for (int i = 0; i < 4; i++) {
            entries.get(i).writeTo(b, ENTRIES_OFFSET + i * MbrPartitionEntry.SIZE);
        }
        b.putShort(510, (short) bootSignature);
    }

    public byte[] toBytes() {
        byte[] out = new byte[SIZE];
        writeTo(ByteBuffer.wrap(out));
        return out;
    }

    @Override
    public byte[] bootCode() {
        return bootCode.clone();
    }

    /** Whether bytes 510..511 hold {@code 55 AA}. */
    public boolean hasBootSignature() {
        return bootSignature == BOOT_SIGNATURE;
    }

    /** Whether any entry has type 0xEE (a protective or hybrid MBR of a GPT disk). */
    public boolean hasGptProtective() {
        return entries.stream().anyMatch(e -> e.type() == MbrPartitionEntry.TYPE_GPT_PROTECTIVE);
    }

    /** The same sector with entry {@code i} replaced. */
    public MbrSector withEntry(int i, MbrPartitionEntry e) {
        List<MbrPartitionEntry> l = new ArrayList<>(entries);
        l.set(i, e);
        return new MbrSector(bootCode, diskSignature, reserved, l, bootSignature);
    }

    /**
     * A protective MBR for a GPT disk whose last LBA is {@code lastLba}: one 0xEE entry from LBA 1
     * covering the disk (capped at 2^32-1 sectors), the other entries empty, keeping the boot code,
     * disk signature and reserved bytes of {@code keep} (boot loaders such as GRUB live there) when
     * given.
     */
    public static MbrSector protective(MbrSector keep, long lastLba) {
        long sectors = Math.min(lastLba, 0xffffffffL);
        MbrPartitionEntry ee = new MbrPartitionEntry(0, MbrPartitionEntry.chsOf(1), MbrPartitionEntry.TYPE_GPT_PROTECTIVE,
                MbrPartitionEntry.chsOf(lastLba), 1, sectors);
        List<MbrPartitionEntry> l = List.of(ee, MbrPartitionEntry.EMPTY, MbrPartitionEntry.EMPTY, MbrPartitionEntry.EMPTY);
        if (keep == null) {
            return new MbrSector(new byte[BOOT_CODE_SIZE], 0, 0, l, BOOT_SIGNATURE);
        }
        return new MbrSector(keep.bootCode, keep.diskSignature, keep.reserved, l, BOOT_SIGNATURE);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MbrSector m && java.util.Arrays.equals(bootCode, m.bootCode)
                && diskSignature == m.diskSignature && reserved == m.reserved && entries.equals(m.entries)
                && bootSignature == m.bootSignature;
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(bootCode) * 31 + entries.hashCode();
    }

    @Override
    public String toString() {
        return "MbrSector[signature=" + Integer.toHexString(bootSignature) + ", entries=" + entries + "]";
    }
}
