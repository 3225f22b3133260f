package io.imgtool.ext4.ondisk;

import io.imgtool.core.ImageFormatException;

/**
 * The jbd2 superblock (first block of the journal, big-endian): geometry of the log, where replay
 * starts (s_start, s_sequence), feature flags and the checksum settings. Raw-backed (1024 bytes).
 */
public final class JournalSuperblock {

    public static final int SIZE = 1024;
    public static final int CHECKSUM_OFFSET = 0xFC;

    public static final int COMPAT_CHECKSUM = 0x1;
    public static final int INCOMPAT_REVOKE = 0x1;
    public static final int INCOMPAT_64BIT = 0x2;
    public static final int INCOMPAT_ASYNC_COMMIT = 0x4;
    public static final int INCOMPAT_CSUM_V2 = 0x8;
    public static final int INCOMPAT_CSUM_V3 = 0x10;
    public static final int INCOMPAT_FAST_COMMIT = 0x20;
    public static final int INCOMPAT_SUPPORTED = INCOMPAT_REVOKE | INCOMPAT_64BIT | INCOMPAT_ASYNC_COMMIT
            | INCOMPAT_CSUM_V2 | INCOMPAT_CSUM_V3 | INCOMPAT_FAST_COMMIT;

    private final byte[] raw;

    private JournalSuperblock(byte[] raw) {
        this.raw = raw;
    }

    public static JournalSuperblock parse(byte[] block, String where, long offset) throws ImageFormatException {
        if (block.length < SIZE) {
            throw new ImageFormatException(where, offset, "journal superblock truncated");
        }
        byte[] b = new byte[SIZE];
        System.arraycopy(block, 0, b, 0, SIZE);
        JournalSuperblock js = new JournalSuperblock(b);
        JournalHeader h = js.header();
        if (!h.isValid()) {
            throw new ImageFormatException(where, "h_magic", offset, String.format("0x%08x", h.magic()),
                    "not a jbd2 journal (expected 0xc03b3998)");
        }
        if (h.blockType() != JournalHeader.SUPERBLOCK_V1 && h.blockType() != JournalHeader.SUPERBLOCK_V2) {
            throw new ImageFormatException(where, "h_blocktype", offset + 4, h.blockType(), "not a journal superblock");
        }
        return js;
    }

    public void writeTo(byte[] b) {
        System.arraycopy(raw, 0, b, 0, SIZE);
    }

    byte[] raw() {
        return raw;
    }

    public JournalHeader header() {
        return JournalHeader.parse(raw, 0);
    }

    public boolean isV2() {
        return header().blockType() == JournalHeader.SUPERBLOCK_V2;
    }

    public long blockSize() {
        return Le.be32(raw, 0xC);
    }

    public long maxLen() {
        return Le.be32(raw, 0x10);
    }

    public long first() {
        return Le.be32(raw, 0x14);
    }

    public long sequence() {
        return Le.be32(raw, 0x18);
    }

    public long start() {
        return Le.be32(raw, 0x1C);
    }

    public int errno() {
        return (int) Le.be32(raw, 0x20);
    }

    public int featureCompat() {
        return isV2() ? (int) Le.be32(raw, 0x24) : 0;
    }

    public int featureIncompat() {
        return isV2() ? (int) Le.be32(raw, 0x28) : 0;
    }

    public int featureRoCompat() {
        return isV2() ? (int) Le.be32(raw, 0x2C) : 0;
    }

    public boolean hasIncompat(int bit) {
        return (featureIncompat() & bit) != 0;
    }

    public byte[] uuid() {
        byte[] u = new byte[16];
        System.arraycopy(raw, 0x30, u, 0, 16);
        return u;
    }

    public long nrUsers() {
        return Le.be32(raw, 0x40);
    }

    public int checksumType() {
        return Le.u8(raw, 0x50);
    }

    /** Number of fast-commit blocks after the regular log (0 means the default when the feature is on). */
    public long numFcBlocks() {
        return Le.be32(raw, 0x54);
    }

    public long checksum() {
        return Le.be32(raw, CHECKSUM_OFFSET);
    }

    public void setChecksum(long crc) {
        Le.putBe32(raw, CHECKSUM_OFFSET, crc);
    }

    public boolean hasCsumV2or3() {
        return hasIncompat(INCOMPAT_CSUM_V2) || hasIncompat(INCOMPAT_CSUM_V3);
    }

    /** Bytes per descriptor tag, as jbd2's journal_tag_bytes(). */
    public int tagBytes() {
        if (hasIncompat(INCOMPAT_CSUM_V3)) {
            return JournalBlockTag.TAG3_SIZE;
        }
        int sz = 12;
        if (hasIncompat(INCOMPAT_CSUM_V2)) {
            sz += 2;
        }
        return hasIncompat(INCOMPAT_64BIT) ? sz : sz - 4;
    }

    // ---- writer (issue 5) -------------------------------------------------------------------------

    public void setSequence(long seq) {
        Le.putBe32(raw, 0x18, seq);
    }

    public void setStart(long block) {
        Le.putBe32(raw, 0x1C, block);
    }

    public void setErrno(int errno) {
        Le.putBe32(raw, 0x20, errno);
    }

    /** A copy of the raw 1024 bytes. */
    public byte[] toBytes() {
        return raw.clone();
    }
}
