package io.imgtool.ext4.ondisk;

import io.imgtool.core.ImageFormatException;

/** A jbd2 revoke block: header, r_count (bytes used, header included), then 4- or 8-byte block numbers. */
public record JournalRevokeBlock(JournalHeader header, long[] blocks) {

    public static final int HEADER = 16;

    /**
     * @param tailBytes 4 when csum v2/v3 reserve a checksum tail at the end of the block, else 0
     */
    public static JournalRevokeBlock parse(byte[] b, boolean is64, int tailBytes, String where, long offset)
            throws ImageFormatException {
        long count = Le.be32(b, 12);
        int rec = is64 ? 8 : 4;
        if (count < HEADER || count > b.length - tailBytes || (count - HEADER) % rec != 0) {
            throw new ImageFormatException(where, "r_count", offset + 12, count,
                    "revoke block byte count must be 16 + n*" + rec + " within the block");
        }
        int n = (int) ((count - HEADER) / rec);
        long[] blocks = new long[n];
        for (int i = 0; i < n; i++) {
            int off = HEADER + i * rec;
            blocks[i] = is64 ? Le.be64(b, off) : Le.be32(b, off);
        }
        return new JournalRevokeBlock(JournalHeader.parse(b, 0), blocks);
    }

    public void writeTo(byte[] b, boolean is64) {
        header.writeTo(b, 0);
        int rec = is64 ? 8 : 4;
        Le.putBe32(b, 12, HEADER + (long) rec * blocks.length);
        for (int i = 0; i < blocks.length; i++) {
            if (is64) {
                Le.putBe64(b, HEADER + i * rec, blocks[i]);
            } else {
                Le.putBe32(b, HEADER + i * rec, blocks[i]);
            }
        }
    }
}
