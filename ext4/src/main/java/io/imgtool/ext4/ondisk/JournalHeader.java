package io.imgtool.ext4.ondisk;

/** The 12-byte big-endian header of every jbd2 metadata block: magic, block type, sequence. */
public record JournalHeader(long magic, int blockType, long sequence) {

    public static final int SIZE = 12;
    public static final long MAGIC = 0xC03B3998L;

    public static final int DESCRIPTOR = 1;
    public static final int COMMIT = 2;
    public static final int SUPERBLOCK_V1 = 3;
    public static final int SUPERBLOCK_V2 = 4;
    public static final int REVOKE = 5;

    public static JournalHeader parse(byte[] b, int off) {
        return new JournalHeader(Le.be32(b, off), (int) Le.be32(b, off + 4), Le.be32(b, off + 8));
    }

    public void writeTo(byte[] b, int off) {
        Le.putBe32(b, off, magic);
        Le.putBe32(b, off + 4, blockType);
        Le.putBe32(b, off + 8, sequence);
    }

    public boolean isValid() {
        return magic == MAGIC;
    }
}
