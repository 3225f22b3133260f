package io.imgtool.ext4.ondisk;

/**
 * A descriptor block tag: where a logged block goes in the filesystem, flags (escaped, same UUID,
 * last tag) and the data block's checksum. Two layouts: tag3 (csum v3, 16 bytes) and the older tag
 * (8 or 12 bytes, +2 with csum v2 for historical reasons).
 */
public record JournalBlockTag(long blockNr, int flags, long checksum) {

    public static final int TAG3_SIZE = 16;

    public static final int FLAG_ESCAPE = 0x1;
    public static final int FLAG_SAME_UUID = 0x2;
    public static final int FLAG_DELETED = 0x4;
    public static final int FLAG_LAST_TAG = 0x8;

    public static JournalBlockTag parse(byte[] b, int off, boolean csumV3, boolean is64) {
        if (csumV3) {
            long lo = Le.be32(b, off);
            int flags = (int) Le.be32(b, off + 4);
            long hi = is64 ? Le.be32(b, off + 8) : 0;
            return new JournalBlockTag(lo | hi << 32, flags, Le.be32(b, off + 12));
        }
        long lo = Le.be32(b, off);
        int csum = Le.be16(b, off + 4);
        int flags = Le.be16(b, off + 6);
        long hi = is64 ? Le.be32(b, off + 8) : 0;
        return new JournalBlockTag(lo | hi << 32, flags, csum);
    }

    public void writeTo(byte[] b, int off, boolean csumV3, boolean is64) {
        if (csumV3) {
            Le.putBe32(b, off, blockNr);
            Le.putBe32(b, off + 4, flags);
            Le.putBe32(b, off + 8, is64 ? blockNr >>> 32 : 0);
            Le.putBe32(b, off + 12, checksum);
        } else {
            Le.putBe32(b, off, blockNr);
            Le.putBe16(b, off + 4, (int) checksum);
            Le.putBe16(b, off + 6, flags);
            if (is64) {
                Le.putBe32(b, off + 8, blockNr >>> 32);
            }
        }
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }
}
