package io.imgtool.gpt.ondisk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One 16-byte partition entry of an MBR or EBR: boot indicator, CHS of the first sector, type,
 * CHS of the last sector, first LBA and length in sectors (both unsigned 32-bit).
 *
 * <p>CHS values are kept as the three raw bytes (head, sector|cylinder-high, cylinder-low packed
 * into an int, first byte in bits 16..23) so they survive a rewrite unchanged.
 *
 * @param status boot indicator: 0x80 active, 0x00 inactive; anything else is invalid
 * @param chsFirst raw CHS address of the first sector
 * @param type the partition type byte (0x83 Linux, 0xEE GPT protective, 0x05/0x0F/0x85 extended)
 * @param chsLast raw CHS address of the last sector
 * @param firstLba first sector (relative to the MBR or, in an EBR, to the EBR or the extended partition)
 * @param sectors length in sectors; 0 marks an unused entry together with type 0
 */
public record MbrPartitionEntry(int status, int chsFirst, int type, int chsLast, long firstLba, long sectors) {

    public static final int SIZE = 16;

    /** An unused entry. */
    public static final MbrPartitionEntry EMPTY = new MbrPartitionEntry(0, 0, 0, 0, 0, 0);

    /** Type byte of the GPT protective partition. */
    public static final int TYPE_GPT_PROTECTIVE = 0xEE;

    public MbrPartitionEntry {
        if ((status & ~0xff) != 0 || (type & ~0xff) != 0 || (chsFirst & ~0xffffff) != 0 || (chsLast & ~0xffffff) != 0
                || firstLba < 0 || firstLba > 0xffffffffL || sectors < 0 || sectors > 0xffffffffL) {
            throw new IllegalArgumentException("MBR entry field out of range");
        }
    }

    /** Parses the 16 bytes at {@code off} of {@code b}. */
    public static MbrPartitionEntry parse(ByteBuffer b, int off) {
        ByteBuffer le = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        return new MbrPartitionEntry(
                le.get(off) & 0xff,
                chs(le, off + 1),
                le.get(off + 4) & 0xff,
                chs(le, off + 5),
                le.getInt(off + 8) & 0xffffffffL,
                le.getInt(off + 12) & 0xffffffffL);
    }

    private static int chs(ByteBuffer b, int off) {
        return (b.get(off) & 0xff) << 16 | (b.get(off + 1) & 0xff) << 8 | (b.get(off + 2) & 0xff);
    }

    /** Writes the 16 bytes at {@code off} of {@code b}. */
    public void writeTo(ByteBuffer b, int off) {
        ByteBuffer le = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        le.put(off, (byte) status);
        putChs(le, off + 1, chsFirst);
        le.put(off + 4, (byte) type);
        putChs(le, off + 5, chsLast);
        le.putInt(off + 8, (int) firstLba);
        le.putInt(off + 12, (int) sectors);
    }

    private static void putChs(ByteBuffer b, int off, int chs) {
        b.put(off, (byte) (chs >>> 16));
        b.put(off + 1, (byte) (chs >>> 8));
        b.put(off + 2, (byte) chs);
    }

    /** Whether the entry describes nothing (type 0 or no sectors). */
    public boolean isEmpty() {
        return type == 0 || sectors == 0;
    }

    /** Whether the type is one of the extended-partition containers (0x05, 0x0F, 0x85). */
    public boolean isExtended() {
        return type == 0x05 || type == 0x0F || type == 0x85;
    }

    /** Last sector (inclusive), relative like {@link #firstLba}. */
    public long lastLba() {
        return firstLba + sectors - 1;
    }

    /**
     * The CHS triple for {@code lba} in the 255-head, 63-sector geometry every modern tool assumes,
     * or {@code FE FF FF} when the address is beyond what CHS can express (as sgdisk writes it).
     */
    public static int chsOf(long lba) {
        final long heads = 255;
        final long sectorsPerTrack = 63;
        if (lba == 0) {
            return 0;
        }
        if (lba >= heads * sectorsPerTrack * 1024) {
            return 0xFEFFFF;
        }
        long cylinder = lba / (heads * sectorsPerTrack);
        long rest = lba - cylinder * heads * sectorsPerTrack;
        long head = rest / sectorsPerTrack;
        long sector = rest - head * sectorsPerTrack + 1;
        int b0 = (int) head;
        int b1 = (int) (sector + (cylinder >>> 8) * 64);
        int b2 = (int) (cylinder & 0xff);
        return b0 << 16 | b1 << 8 | b2;
    }
}
