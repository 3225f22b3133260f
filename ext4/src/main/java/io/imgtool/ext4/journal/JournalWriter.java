package io.imgtool.ext4.journal;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageFormatException;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.ext4.ondisk.JournalBlockTag;
import io.imgtool.ext4.ondisk.JournalChecksums;
import io.imgtool.ext4.ondisk.JournalCommitBlock;
import io.imgtool.ext4.ondisk.JournalHeader;
import io.imgtool.ext4.ondisk.JournalSuperblock;
import io.imgtool.ext4.ondisk.Le;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;

/**
 * Writes jbd2 transactions into an (empty) internal journal: descriptor blocks with one tag per
 * logged block (32- or 64-bit block numbers, csum v2/v3 tag checksums, escaping of blocks that start
 * with the jbd2 magic), the copies, and a commit block (crc32c under csum v2/v3, crc32 of the
 * transaction under the v1 compat checksum). The sequence:
 *
 * <ol>
 *   <li>descriptors and copies from s_first, then a device flush;</li>
 *   <li>the commit block, then a flush;</li>
 *   <li>the journal superblock with s_start = s_first and s_sequence = the transaction's id, then a
 *       flush: from here a crash replays the transaction;</li>
 *   <li>(the caller checkpoints: writes the blocks in place and flushes)</li>
 *   <li>{@link #markClean}: s_start = 0 and the next id, then a flush.</li>
 * </ol>
 *
 * Because every transaction is checkpointed before the next one starts, the log never holds more
 * than one transaction and freed blocks are never reused while a copy could still be replayed over
 * them, so revoke records are not needed.
 */
public final class JournalWriter {

    /** A block to log: its filesystem block number and content. */
    public record Logged(long block, byte[] data) {
    }

    private static final String S = "jbd2 journal";

    private final BlockDevice dev;
    private final int blockSize;
    private final JournalBlocks journal;
    private final JournalSuperblock jsb;
    private final JournalChecksums csums;
    private final boolean csumV23;
    private final boolean csumV3;
    private final boolean v1;
    private final boolean is64;
    private final int tagBytes;
    private final long first;
    private final long last;
    private long sequence;

    /**
     * @param jsb the journal superblock as on disk; it must describe an empty log (s_start 0)
     */
    public JournalWriter(BlockDevice dev, int blockSize, JournalBlocks journal, JournalSuperblock jsb)
            throws IOException {
        this.dev = dev;
        this.blockSize = blockSize;
        this.journal = journal;
        this.jsb = jsb;
        if (jsb.blockSize() != blockSize) {
            throw new ImageFormatException(S + " superblock", "s_blocksize", -1, jsb.blockSize(),
                    "differs from the filesystem block size " + blockSize);
        }
        if (jsb.isV2()) {
            int unknown = jsb.featureIncompat() & ~JournalSuperblock.INCOMPAT_SUPPORTED;
            if (unknown != 0) {
                throw new UnsupportedFeatureException(S + " superblock", String.format("journal incompat 0x%x", unknown),
                        "unknown journal feature: refusing to write");
            }
            if (jsb.nrUsers() > 1) {
                throw new UnsupportedFeatureException(S + " superblock", "shared journal",
                        "journal with " + jsb.nrUsers() + " users");
            }
        }
        if (jsb.start() != 0) {
            throw new IllegalStateException("the journal must be empty (replayed) before writing");
        }
        if (jsb.errno() != 0) {
            throw new ImageFormatException(S + " superblock", "s_errno", -1, jsb.errno(),
                    "the journal recorded an error (the kernel aborted it): run e2fsck first");
        }
        this.csums = new JournalChecksums(jsb);
        this.csumV23 = jsb.hasCsumV2or3();
        this.csumV3 = jsb.hasIncompat(JournalSuperblock.INCOMPAT_CSUM_V3);
        this.v1 = !csumV23 && (jsb.featureCompat() & JournalSuperblock.COMPAT_CHECKSUM) != 0;
        this.is64 = jsb.hasIncompat(JournalSuperblock.INCOMPAT_64BIT);
        this.tagBytes = jsb.tagBytes();
        this.first = jsb.first();
        long end = Math.min(jsb.maxLen(), journal.count());
        if (jsb.hasIncompat(JournalSuperblock.INCOMPAT_FAST_COMMIT)) {
            long fc = jsb.numFcBlocks() == 0 ? 256 : jsb.numFcBlocks();
            end -= fc;
        }
        this.last = end;
        if (first < 1 || first + 4 > last) {
            throw new ImageFormatException(S + " superblock", "s_first", -1, first, "journal log area too small");
        }
        this.sequence = jsb.sequence();
    }

    private int tagsPerDescriptor() {
        int space = blockSize - JournalHeader.SIZE - (csumV23 ? 4 : 0) - 16;
        return space / tagBytes;
    }

    /** Most blocks one transaction can log. */
    public long capacity() {
        long area = last - first - 1; // minus the commit block
        long perDesc = tagsPerDescriptor();
        return area * perDesc / (perDesc + 1) - 1;
    }

    /** The id the next transaction gets. */
    public long nextSequence() {
        return sequence;
    }

    /** Starts ids at {@code seq} (after a replay, past every id the old log used). */
    public void setNextSequence(long seq) {
        this.sequence = seq & 0xffffffffL;
    }

    private long physical(long logical) throws IOException {
        return journal.physical(logical);
    }

    private void writeLog(long logical, byte[] b) throws IOException {
        dev.write(ByteBuffer.wrap(b), physical(logical) * blockSize);
    }

    /**
     * Writes {@code blocks} as one committed transaction; on return it is durable in the log (a crash
     * from now on replays it). The caller then writes the blocks in place, flushes, and calls
     * {@link #markClean}.
     */
    public void commit(List<Logged> blocks, Instant now) throws IOException {
        if (blocks.isEmpty()) {
            return;
        }
        if (blocks.size() > capacity()) {
            throw new IllegalStateException("transaction of " + blocks.size() + " blocks exceeds the journal capacity "
                    + capacity());
        }
        long seq = sequence;
        long pos = first;
        int crc32 = ~0;
        int perDesc = tagsPerDescriptor();
        for (int i = 0; i < blocks.size(); i += perDesc) {
            int n = Math.min(perDesc, blocks.size() - i);
            byte[] desc = new byte[blockSize];
            new JournalHeader(JournalHeader.MAGIC, JournalHeader.DESCRIPTOR, seq).writeTo(desc, 0);
            int off = JournalHeader.SIZE;
            byte[][] copies = new byte[n][];
            for (int j = 0; j < n; j++) {
                Logged l = blocks.get(i + j);
                byte[] copy = l.data().clone();
                int flags = 0;
                if (Le.be32(copy, 0) == JournalHeader.MAGIC) {
                    Le.putBe32(copy, 0, 0);
                    flags |= JournalBlockTag.FLAG_ESCAPE;
                }
                if (j > 0) {
                    flags |= JournalBlockTag.FLAG_SAME_UUID;
                }
                if (j == n - 1) {
                    flags |= JournalBlockTag.FLAG_LAST_TAG;
                }
                long tagCsum = csumV23 ? csums.dataBlock(seq, copy) : 0;
                new JournalBlockTag(l.block(), flags, tagCsum).writeTo(desc, off, csumV3, is64);
                off += tagBytes;
                if (j == 0) {
                    System.arraycopy(jsb.uuid(), 0, desc, off, 16);
                    off += 16;
                }
                copies[j] = copy;
            }
            if (csumV23) {
                csums.setTailBlock(desc);
            }
            if (v1) {
                crc32 = JournalChecksums.crc32Be(crc32, desc);
            }
            writeLog(pos++, desc);
            for (byte[] c : copies) {
                if (v1) {
                    crc32 = JournalChecksums.crc32Be(crc32, c);
                }
                writeLog(pos++, c);
            }
        }
        dev.flush();
        byte[] commit = new byte[blockSize];
        new JournalCommitBlock(new JournalHeader(JournalHeader.MAGIC, JournalHeader.COMMIT, seq),
                v1 ? 1 : 0, v1 ? 4 : 0, v1 ? crc32 & 0xffffffffL : 0, now.getEpochSecond(), now.getNano())
                .writeTo(commit);
        if (csumV23) {
            csums.setCommitBlock(commit);
        }
        writeLog(pos, commit);
        dev.flush();
        jsb.setStart(first);
        jsb.setSequence(seq);
        writeSuperblock();
        dev.flush();
        sequence = (seq + 1) & 0xffffffffL;
    }

    /** Empties the log after the caller checkpointed the last transaction: s_start 0, next id. */
    public void markClean() throws IOException {
        jsb.setStart(0);
        jsb.setSequence(sequence);
        writeSuperblock();
        dev.flush();
    }

    private void writeSuperblock() throws IOException {
        JournalChecksums.setSuperblock(jsb);
        byte[] b = new byte[JournalSuperblock.SIZE];
        jsb.writeTo(b);
        dev.write(ByteBuffer.wrap(b), physical(0) * blockSize);
    }

    public JournalSuperblock superblock() {
        return jsb;
    }
}
