package io.imgtool.ext4.ondisk;

import io.imgtool.core.Crc32c;

/**
 * jbd2 checksums (csum v2/v3, crc32c): the superblock over its 1024 bytes, and every log block
 * seeded with crc32c(~0, journal uuid) — descriptor and revoke blocks over the whole block with the
 * 4-byte tail zeroed, commit blocks with h_chksum[0] zeroed, data blocks over (be32 sequence, data).
 * Compute / verify / set triples, as for {@link Checksums}.
 */
public final class JournalChecksums {

    private final int seed;
    private final boolean v3;

    public JournalChecksums(JournalSuperblock js) {
        this.seed = Crc32c.update(~0, js.uuid());
        this.v3 = js.hasIncompat(JournalSuperblock.INCOMPAT_CSUM_V3);
    }

    public static long superblock(JournalSuperblock js) {
        byte[] r = js.raw();
        int crc = Crc32c.update(~0, r, 0, JournalSuperblock.CHECKSUM_OFFSET);
        crc = Crc32c.update(crc, new byte[4], 0, 4);
        crc = Crc32c.update(crc, r, JournalSuperblock.CHECKSUM_OFFSET + 4, JournalSuperblock.SIZE - JournalSuperblock.CHECKSUM_OFFSET - 4);
        return crc & 0xffffffffL;
    }

    /** Sets s_checksum when the journal has csum v2/v3 (writer, issue 5). */
    public static void setSuperblock(JournalSuperblock js) {
        if (js.hasCsumV2or3()) {
            js.setChecksum(superblock(js));
        }
    }

    public static boolean verifySuperblock(JournalSuperblock js) {
        return !js.hasCsumV2or3() || superblock(js) == js.checksum();
    }

    /** Checksum of a block whose last 4 bytes are its (big-endian) checksum: descriptor or revoke block. */
    public long tailBlock(byte[] block) {
        int n = block.length - 4;
        int crc = Crc32c.update(seed, block, 0, n);
        crc = Crc32c.update(crc, new byte[4], 0, 4);
        return crc & 0xffffffffL;
    }

    public boolean verifyTailBlock(byte[] block) {
        return tailBlock(block) == Le.be32(block, block.length - 4);
    }

    public void setTailBlock(byte[] block) {
        Le.putBe32(block, block.length - 4, tailBlock(block));
    }

    public long commitBlock(byte[] block) {
        int at = JournalCommitBlock.CHKSUM_OFFSET;
        int crc = Crc32c.update(seed, block, 0, at);
        crc = Crc32c.update(crc, new byte[4], 0, 4);
        crc = Crc32c.update(crc, block, at + 4, block.length - at - 4);
        return crc & 0xffffffffL;
    }

    public boolean verifyCommitBlock(byte[] block) {
        return commitBlock(block) == Le.be32(block, JournalCommitBlock.CHKSUM_OFFSET);
    }

    public void setCommitBlock(byte[] block) {
        Le.putBe32(block, JournalCommitBlock.CHKSUM_OFFSET, commitBlock(block));
    }

    /** Checksum of a logged data block as stored (escaped) in the journal; v2 keeps only the low 16 bits. */
    public long dataBlock(long sequence, byte[] data) {
        byte[] s = new byte[4];
        Le.putBe32(s, 0, sequence);
        int crc = Crc32c.update(Crc32c.update(seed, s), data);
        long v = crc & 0xffffffffL;
        return v3 ? v : v & 0xffff;
    }

    public boolean verifyDataBlock(JournalBlockTag tag, long sequence, byte[] data) {
        return dataBlock(sequence, data) == tag.checksum();
    }

    // ---- v1 (compat CHECKSUM): crc32_be over each transaction's descriptor and data blocks ----------

    private static final int[] CRC32_BE = new int[256];

    static {
        for (int n = 0; n < 256; n++) {
            int c = n << 24;
            for (int k = 0; k < 8; k++) {
                c = (c & 0x80000000) != 0 ? (c << 1) ^ 0x04C11DB7 : c << 1;
            }
            CRC32_BE[n] = c;
        }
    }

    /** The kernel's crc32_be (MSB-first CRC-32, no reflection, no final inversion), continued over {@code b}. */
    public static int crc32Be(int crc, byte[] b) {
        int c = crc;
        for (byte x : b) {
            c = (c << 8) ^ CRC32_BE[((c >>> 24) ^ x) & 0xff];
        }
        return c;
    }

    /**
     * Whether a commit block's v1 checksum accepts a transaction whose blocks summed to {@code crc32Sum}:
     * type crc32 (1) and size 4 with the sum in h_chksum[0], or no checksum at all (all three zero).
     */
    public static boolean v1Accepts(JournalCommitBlock c, int crc32Sum) {
        boolean match = (c.chksum0() & 0xffffffffL) == (crc32Sum & 0xffffffffL) && c.chksumType() == 1
                && c.chksumSize() == 4;
        boolean unused = c.chksumType() == 0 && c.chksumSize() == 0;
        return match || unused;
    }
}
