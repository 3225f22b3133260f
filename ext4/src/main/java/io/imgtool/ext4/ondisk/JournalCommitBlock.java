package io.imgtool.ext4.ondisk;

/** A jbd2 commit block: header, checksum type/size, checksum words, commit time. */
public record JournalCommitBlock(JournalHeader header, int chksumType, int chksumSize, long chksum0,
                                 long commitSec, long commitNsec) {

    public static final int CHKSUM_OFFSET = 0x10;

    public static JournalCommitBlock parse(byte[] b) {
        return new JournalCommitBlock(JournalHeader.parse(b, 0), Le.u8(b, 0xC), Le.u8(b, 0xD), Le.be32(b, 0x10),
                Le.be64(b, 0x30), Le.be32(b, 0x38));
    }

    public void writeTo(byte[] b) {
        header.writeTo(b, 0);
        Le.put8(b, 0xC, chksumType);
        Le.put8(b, 0xD, chksumSize);
        Le.putBe32(b, 0x10, chksum0);
        Le.putBe64(b, 0x30, commitSec);
        Le.putBe32(b, 0x38, commitNsec);
    }
}
