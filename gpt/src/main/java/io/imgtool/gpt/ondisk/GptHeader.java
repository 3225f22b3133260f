package io.imgtool.gpt.ondisk;

import io.imgtool.core.ImageFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.UUID;
import java.util.zip.CRC32;

/**
 * The GPT header (UEFI specification 2.x, section 5.3.2), one per copy: the primary at LBA 1, the
 * backup in the last LBA of the disk. Fields are kept exactly as read, including the reserved word
 * at offset 20 and every byte after offset 92 up to the end of the sector ({@link #tail}), so a
 * rewrite preserves what imgtool does not interpret.
 *
 * <pre>
 *  0  signature "EFI PART"        40 first usable LBA        80 number of entries
 *  8  revision 0x00010000         48 last usable LBA         84 size of one entry
 * 12  header size (92..sector)    56 disk GUID               88 CRC32 of the entry array
 * 16  header CRC32                72 LBA of the entry array  92 reserved up to the sector's end
 * 20  reserved (zero)
 * 24  my LBA, 32 alternate LBA
 * </pre>
 *
 * <p>{@link #parse} reads any bytes; {@link #check} validates them and names the first bad field.
 */
public record GptHeader(long signature, int revision, long headerSize, int headerCrc, int reserved,
                        long myLba, long alternateLba, long firstUsableLba, long lastUsableLba, UUID diskGuid,
                        long entriesLba, long entryCount, long entrySize, int entriesCrc, byte[] tail) {

    /** Size of the defined fields. */
    public static final int SIZE = 92;
    /** "EFI PART" read as a little-endian long. */
    public static final long SIGNATURE = 0x5452415020494645L;
    public static final int REVISION_1_0 = 0x00010000;
    /** The entry size every tool writes and the Linux kernel insists on. */
    public static final int DEFAULT_ENTRY_SIZE = GptEntry.SIZE;
    public static final int DEFAULT_ENTRY_COUNT = 128;
    /**
     * Upper bound on the entry array imgtool loads: 16 MiB (131072 entries of 128 bytes, 1024 times
     * the usual). The specification sets none; this bound keeps hostile headers from exhausting memory.
     */
    public static final long MAX_ARRAY_BYTES = 16L << 20;
    /** Upper bound on one entry's size (the specification allows 128 * 2^n). */
    public static final long MAX_ENTRY_SIZE = 64L << 10;

    public GptHeader {
        if (tail == null) {
            throw new IllegalArgumentException("tail must not be null");
        }
        tail = tail.clone();
    }

    /** Parses the header from a whole sector at the buffer's position (the position does not move). */
    public static GptHeader parse(ByteBuffer sector, int sectorSize) {
        if (sectorSize < SIZE || sector.remaining() < sectorSize) {
            throw new IllegalArgumentException("a GPT header needs a sector of at least 92 bytes");
        }
        ByteBuffer b = sector.slice(sector.position(), sectorSize).order(ByteOrder.LITTLE_ENDIAN);
        byte[] tail = new byte[sectorSize - SIZE];
        b.get(SIZE, tail);
        return new GptHeader(b.getLong(0), b.getInt(8), b.getInt(12) & 0xffffffffL, b.getInt(16), b.getInt(20),
                b.getLong(24), b.getLong(32), b.getLong(40), b.getLong(48), Guids.read(b, 56), b.getLong(72),
                b.getInt(80) & 0xffffffffL, b.getInt(84) & 0xffffffffL, b.getInt(88), tail);
    }

    /** Writes the whole sector ({@code 92 + tail.length} bytes) at the buffer's position (not moved). */
    public void writeTo(ByteBuffer sector) {
        ByteBuffer b = sector.slice(sector.position(), SIZE + tail.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, signature);
        b.putInt(8, revision);
        b.putInt(12, (int) headerSize);
        b.putInt(16, headerCrc);
        b.putInt(20, reserved);
        b.putLong(24, myLba);
        b.putLong(32, alternateLba);
        b.putLong(40, firstUsableLba);
        b.putLong(48, lastUsableLba);
        Guids.write(b, 56, diskGuid);
        b.putLong(72, entriesLba);
        b.putInt(80, (int) entryCount);
        b.putInt(84, (int) entrySize);
        b.putInt(88, entriesCrc);
        b.put(SIZE, tail);
    }

    /** The whole sector as bytes. */
    public byte[] toBytes() {
        byte[] out = new byte[SIZE + tail.length];
        writeTo(ByteBuffer.wrap(out));
        return out;
    }

    /**
     * The CRC32 of the first {@code headerSize} bytes with the CRC field taken as zero; only when
     * {@link #crcComputable()}.
     */
    public int computeCrc() {
        if (!crcComputable()) {
            throw new IllegalStateException("header size " + headerSize + " is outside 92.." + (SIZE + tail.length));
        }
        byte[] bytes = withHeaderCrc(0).toBytes();
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, (int) headerSize);
        return (int) crc.getValue();
    }

    /** Whether {@link #headerSize} lets the CRC be computed (92 up to the sector size). */
    public boolean crcComputable() {
        return headerSize >= SIZE && headerSize <= SIZE + tail.length;
    }

    /** Whether the stored header CRC matches. */
    public boolean crcValid() {
        return crcComputable() && computeCrc() == headerCrc;
    }

    /** The same header with a freshly computed header CRC. */
    public GptHeader withComputedCrc() {
        return withHeaderCrc(computeCrc());
    }

    /** Bytes of the entry array: count times size. */
    public long arrayBytes() {
        try {
            return Math.multiplyExact(entryCount, entrySize);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE; // both are unsigned 32-bit: only a hostile header gets here
        }
    }

    /** Sectors the entry array occupies. */
    public long arraySectors(int sectorSize) {
        return (arrayBytes() + sectorSize - 1) / sectorSize;
    }

    /**
     * Validates the header as found at {@code lba} of a disk whose last LBA is {@code lastLba}. Throws
     * an {@link ImageFormatException} naming the first bad field, its byte offset on the disk and its
     * value. The CRCs are checked by the caller (a CRC mismatch is a verdict, not a parse failure).
     */
    public void check(int sectorSize, long lba, long lastLba) throws ImageFormatException {
        String s = "GPT header at LBA " + lba;
        long base = lba * sectorSize;
        if (signature != SIGNATURE) {
            throw new ImageFormatException(s, "signature", base, String.format("0x%016x", signature),
                    "not \"EFI PART\"");
        }
        if (revision != REVISION_1_0) {
            throw new ImageFormatException(s, "revision", base + 8, String.format("0x%08x", revision),
                    "only revision 1.0 (0x00010000) is defined");
        }
        if (headerSize < SIZE || headerSize > sectorSize) {
            throw new ImageFormatException(s, "header_size", base + 12, headerSize,
                    "must be between 92 and the sector size " + sectorSize);
        }
        if (myLba != lba) {
            throw new ImageFormatException(s, "my_lba", base + 24, Long.toUnsignedString(myLba),
                    "does not point at the header itself");
        }
        if (entrySize < GptEntry.SIZE || entrySize > MAX_ENTRY_SIZE || Long.bitCount(entrySize / GptEntry.SIZE) != 1
                || entrySize % GptEntry.SIZE != 0) {
            throw new ImageFormatException(s, "entry_size", base + 84, entrySize,
                    "must be 128 * 2^n bytes, at most " + MAX_ENTRY_SIZE);
        }
        if (entryCount == 0 || arrayBytes() > MAX_ARRAY_BYTES) {
            throw new ImageFormatException(s, "entry_count", base + 80, entryCount,
                    entryCount == 0 ? "no entries" : "entry array of " + arrayBytes()
                            + " bytes exceeds imgtool's limit of " + MAX_ARRAY_BYTES);
        }
        if (lastUsableLba < 0 || lastUsableLba >= lastLba) {
            throw new ImageFormatException(s, "last_usable_lba", base + 48, Long.toUnsignedString(lastUsableLba),
                    "must lie before the disk's last LBA " + lastLba);
        }
        if (firstUsableLba < 2 || firstUsableLba > lastUsableLba + 1) {
            throw new ImageFormatException(s, "first_usable_lba", base + 40, Long.toUnsignedString(firstUsableLba),
                    "must lie between LBA 2 and the last usable LBA " + lastUsableLba);
        }
        long sectors = arraySectors(sectorSize);
        long arrayEnd = entriesLba < 2 || entriesLba > lastLba ? -1 : entriesLba + sectors - 1;
        if (arrayEnd < 0 || arrayEnd > lastLba || (entriesLba <= lba && arrayEnd >= lba)) {
            throw new ImageFormatException(s, "partition_entry_lba", base + 72, Long.toUnsignedString(entriesLba),
                    "an entry array of " + sectors + " sectors does not fit there beside the header");
        }
        if (arrayEnd >= firstUsableLba && entriesLba <= lastUsableLba) {
            throw new ImageFormatException(s, "partition_entry_lba", base + 72, entriesLba,
                    "entry array (LBA " + entriesLba + ".." + arrayEnd + ") overlaps the usable area "
                            + firstUsableLba + ".." + lastUsableLba);
        }
    }

    public GptHeader withHeaderCrc(int crc) {
        return new GptHeader(signature, revision, headerSize, crc, reserved, myLba, alternateLba, firstUsableLba,
                lastUsableLba, diskGuid, entriesLba, entryCount, entrySize, entriesCrc, tail);
    }

    public GptHeader withLocation(long my, long alternate, long entries) {
        return new GptHeader(signature, revision, headerSize, headerCrc, reserved, my, alternate, firstUsableLba,
                lastUsableLba, diskGuid, entries, entryCount, entrySize, entriesCrc, tail);
    }

    public GptHeader withUsable(long first, long last) {
        return new GptHeader(signature, revision, headerSize, headerCrc, reserved, myLba, alternateLba, first,
                last, diskGuid, entriesLba, entryCount, entrySize, entriesCrc, tail);
    }

    public GptHeader withDiskGuid(UUID guid) {
        return new GptHeader(signature, revision, headerSize, headerCrc, reserved, myLba, alternateLba,
                firstUsableLba, lastUsableLba, guid, entriesLba, entryCount, entrySize, entriesCrc, tail);
    }

    public GptHeader withEntriesCrc(int crc) {
        return new GptHeader(signature, revision, headerSize, headerCrc, reserved, myLba, alternateLba,
                firstUsableLba, lastUsableLba, diskGuid, entriesLba, entryCount, entrySize, crc, tail);
    }

    /** A new header as sgdisk writes one: revision 1.0, size 92, zeroed reserved bytes, CRCs still 0. */
    public static GptHeader create(int sectorSize, UUID diskGuid, long myLba, long alternateLba, long firstUsable,
                                   long lastUsable, long entriesLba, long entryCount, long entrySize) {
        return new GptHeader(SIGNATURE, REVISION_1_0, SIZE, 0, 0, myLba, alternateLba, firstUsable, lastUsable,
                diskGuid, entriesLba, entryCount, entrySize, 0, new byte[sectorSize - SIZE]);
    }

    @Override
    public byte[] tail() {
        return tail.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GptHeader h && signature == h.signature && revision == h.revision
                && headerSize == h.headerSize && headerCrc == h.headerCrc && reserved == h.reserved
                && myLba == h.myLba && alternateLba == h.alternateLba && firstUsableLba == h.firstUsableLba
                && lastUsableLba == h.lastUsableLba && diskGuid.equals(h.diskGuid) && entriesLba == h.entriesLba
                && entryCount == h.entryCount && entrySize == h.entrySize && entriesCrc == h.entriesCrc
                && Arrays.equals(tail, h.tail);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(myLba) * 31 + diskGuid.hashCode() * 17 + headerCrc;
    }

    @Override
    public String toString() {
        return "GptHeader[my=" + myLba + ", alternate=" + alternateLba + ", usable=" + firstUsableLba + ".."
                + lastUsableLba + ", disk=" + diskGuid + ", entries=" + entryCount + "x" + entrySize + "@"
                + entriesLba + "]";
    }
}
