package io.imgtool.ext4.journal;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageFormatException;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.ext4.ondisk.JournalBlockTag;
import io.imgtool.ext4.ondisk.JournalChecksums;
import io.imgtool.ext4.ondisk.JournalCommitBlock;
import io.imgtool.ext4.ondisk.JournalHeader;
import io.imgtool.ext4.ondisk.JournalRevokeBlock;
import io.imgtool.ext4.ondisk.JournalSuperblock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * jbd2 recovery without writing: the kernel's three passes (scan for the end of the log, collect
 * revoke records, replay) over the circular log from s_start, producing an {@link OverlayDevice}.
 * A transaction counts only with a valid commit block; a descriptor, revoke or commit block with a
 * bad checksum ends the log there. Logged blocks with bad checksums, or numbers past the end of the
 * filesystem, are skipped and reported.
 */
public final class JournalReplayer {

    private static final String S = "jbd2 journal";

    private final BlockDevice dev;
    private final int blockSize;
    private final long fsBlocks;
    private final JournalBlocks journal;
    private final List<String> problems = new ArrayList<>();

    private JournalSuperblock jsb;
    private JournalChecksums csums;
    private boolean csumV23;
    private boolean is64;
    private boolean csumV3;

    /** One logged block: destination, the journal block holding it, escaped flag, tag checksum. */
    private record Logged(long fsBlock, long journalBlock, JournalBlockTag tag) {
    }

    private record Transaction(long sequence, List<Logged> blocks, List<Long> revoked) {
    }

    public JournalReplayer(BlockDevice dev, int blockSize, long fsBlocks, JournalBlocks journal) {
        this.dev = dev;
        this.blockSize = blockSize;
        this.fsBlocks = fsBlocks;
        this.journal = journal;
    }

    /** The parsed journal superblock (after {@link #superblock()} or {@link #replay()}). */
    public JournalSuperblock superblock() throws IOException {
        if (jsb == null) {
            if (journal.count() < 2) {
                throw new ImageFormatException(S, -1, "journal of " + journal.count() + " blocks is too small");
            }
            byte[] b = readJournal(0);
            jsb = JournalSuperblock.parse(b, S + " superblock", offsetOf(0));
            if (jsb.blockSize() != blockSize) {
                throw new ImageFormatException(S + " superblock", "s_blocksize", offsetOf(0) + 0xC, jsb.blockSize(),
                        "differs from the filesystem block size " + blockSize);
            }
            if (jsb.isV2()) {
                int unknown = jsb.featureIncompat() & ~JournalSuperblock.INCOMPAT_SUPPORTED;
                if (unknown != 0) {
                    throw new UnsupportedFeatureException(S + " superblock", String.format("journal incompat 0x%x", unknown),
                            "unknown journal feature");
                }
            }
            if (jsb.hasCsumV2or3() && !JournalChecksums.verifySuperblock(jsb)) {
                throw new ImageFormatException(S + " superblock", "s_checksum", offsetOf(0) + JournalSuperblock.CHECKSUM_OFFSET,
                        String.format("0x%08x", jsb.checksum()), String.format("checksum mismatch (computed 0x%08x)",
                        JournalChecksums.superblock(jsb)));
            }
            csumV23 = jsb.hasCsumV2or3();
            csumV3 = jsb.hasIncompat(JournalSuperblock.INCOMPAT_CSUM_V3);
            is64 = jsb.hasIncompat(JournalSuperblock.INCOMPAT_64BIT);
            csums = new JournalChecksums(jsb);
        }
        return jsb;
    }

    private long offsetOf(long logical) {
        try {
            return journal.physical(logical) * blockSize;
        } catch (IOException e) {
            return -1;
        }
    }

    private byte[] readJournal(long logical) throws IOException {
        long phys = journal.physical(logical);
        if (phys <= 0 || phys >= fsBlocks) {
            throw new ImageFormatException(S, "block", -1, phys, "journal block " + logical + " maps outside the filesystem");
        }
        byte[] b = new byte[blockSize];
        dev.read(ByteBuffer.wrap(b), phys * blockSize);
        return b;
    }

    /** Replays in memory; the overlay is null when the log is empty. */
    public OverlayDevice replay(ReplayResult[] result) throws IOException {
        JournalSuperblock js = superblock();
        long start = js.start();
        if (start == 0) {
            result[0] = new ReplayResult(0, js.sequence(), 0, 0, List.of());
            return null;
        }
        if (js.hasIncompat(JournalSuperblock.INCOMPAT_FAST_COMMIT)) {
            throw new UnsupportedFeatureException(S + " superblock", "fast_commit",
                    "replaying fast-commit journals is not implemented");
        }
        long first = js.first();
        long last = Math.min(js.maxLen(), journal.count());
        if (first < 1 || first >= last || start < first || start >= last) {
            throw new ImageFormatException(S + " superblock", "s_start", offsetOf(0) + 0x1C, start,
                    "log start outside [s_first " + first + ", s_maxlen " + last + ")");
        }
        List<Transaction> committed = scan(start, js.sequence(), first, last);
        // Revoke pass: the latest revoking sequence per block.
        Map<Long, Long> revoke = new HashMap<>();
        for (Transaction t : committed) {
            for (long b : t.revoked()) {
                revoke.merge(b, t.sequence(), (a, c) -> tidAfter(c, a) ? c : a);
            }
        }
        // Replay pass.
        Map<Long, Long> copies = new LinkedHashMap<>();
        int revoked = 0;
        for (Transaction t : committed) {
            for (Logged l : t.blocks()) {
                Long r = revoke.get(l.fsBlock());
                if (r != null && !tidAfter(t.sequence(), r)) {
                    revoked++;
                    continue;
                }
                if (l.fsBlock() >= fsBlocks) {
                    problems.add("transaction " + t.sequence() + ": logged block " + l.fsBlock()
                            + " past the end of the filesystem; not replayed");
                    continue;
                }
                long phys = journal.physical(l.journalBlock());
                if (csumV23) {
                    byte[] data = readJournal(l.journalBlock());
                    if (!csums.verifyDataBlock(l.tag(), t.sequence(), data)) {
                        problems.add("transaction " + t.sequence() + ": checksum mismatch of the copy of block "
                                + l.fsBlock() + " (journal block " + l.journalBlock() + "); not replayed");
                        continue;
                    }
                }
                copies.remove(l.fsBlock()); // keep insertion order meaningful: latest wins
                copies.put(l.fsBlock(), phys << 1 | (l.tag().has(JournalBlockTag.FLAG_ESCAPE) ? 1 : 0));
            }
        }
        result[0] = new ReplayResult(committed.size(), js.sequence(), copies.size(), revoked, List.copyOf(problems));
        return new OverlayDevice(dev, blockSize, copies);
    }

    /** tid a is after b, with 32-bit wrap-around. */
    private static boolean tidAfter(long a, long b) {
        return (int) (a - b) > 0;
    }

    private List<Transaction> scan(long start, long sequence, long first, long last) throws IOException {
        List<Transaction> out = new ArrayList<>();
        long blk = start;
        long seq = sequence;
        long visited = 0;
        long maxVisits = last - first;
        Transaction cur = new Transaction(seq, new ArrayList<>(), new ArrayList<>());
        boolean v1 = (jsb.featureCompat() & JournalSuperblock.COMPAT_CHECKSUM) != 0 && !csumV23;
        int crc32Sum = ~0;
        long lastCommitSec = 0;
        while (visited < maxVisits) {
            byte[] b = readJournal(blk);
            JournalHeader h = JournalHeader.parse(b, 0);
            if (!h.isValid() || h.sequence() != seq) {
                break;
            }
            visited++;
            long here = blk;
            blk = next(blk, first, last);
            if (h.blockType() == JournalHeader.DESCRIPTOR) {
                if (csumV23 && !csums.verifyTailBlock(b)) {
                    problems.add("descriptor block at journal block " + here + " (transaction " + seq
                            + ") fails its checksum; log ends here");
                    break;
                }
                if (v1) {
                    crc32Sum = JournalChecksums.crc32Be(crc32Sum, b);
                }
                int tagBytes = jsb.tagBytes();
                int end = blockSize - (csumV23 ? 4 : 0);
                int off = JournalHeader.SIZE;
                while (off + tagBytes <= end) {
                    JournalBlockTag tag = JournalBlockTag.parse(b, off, csumV3, is64);
                    off += tagBytes;
                    if (!tag.has(JournalBlockTag.FLAG_SAME_UUID)) {
                        off += 16;
                    }
                    cur.blocks().add(new Logged(tag.blockNr(), blk, tag));
                    if (v1) {
                        crc32Sum = JournalChecksums.crc32Be(crc32Sum, readJournal(blk));
                    }
                    blk = next(blk, first, last);
                    visited++;
                    if (tag.has(JournalBlockTag.FLAG_LAST_TAG)) {
                        break;
                    }
                }
            } else if (h.blockType() == JournalHeader.REVOKE) {
                if (csumV23 && !csums.verifyTailBlock(b)) {
                    problems.add("revoke block at journal block " + here + " (transaction " + seq
                            + ") fails its checksum; log ends here");
                    break;
                }
                JournalRevokeBlock r = JournalRevokeBlock.parse(b, is64, csumV23 ? 4 : 0,
                        S + " revoke block", offsetOf(here));
                for (long x : r.blocks()) {
                    cur.revoked().add(x);
                }
            } else if (h.blockType() == JournalHeader.COMMIT) {
                if (csumV23 && !csums.verifyCommitBlock(b)) {
                    problems.add("commit block at journal block " + here + " (transaction " + seq
                            + ") fails its checksum; transaction not replayed");
                    break;
                }
                JournalCommitBlock cb = JournalCommitBlock.parse(b);
                if (v1) {
                    // compat CHECKSUM: the commit block carries crc32_be of the transaction's descriptor and
                    // data blocks; a mismatch ends the log, unless the commit is older than the last one.
                    boolean older = cb.commitSec() < lastCommitSec;
                    if (!JournalChecksums.v1Accepts(cb, crc32Sum) && !older) {
                        problems.add("commit block at journal block " + here + " (transaction " + seq
                                + ") fails its crc32 transaction checksum; transaction not replayed");
                        break;
                    }
                    crc32Sum = ~0;
                    lastCommitSec = Math.max(lastCommitSec, cb.commitSec());
                }
                out.add(cur);
                seq = (seq + 1) & 0xffffffffL;
                cur = new Transaction(seq, new ArrayList<>(), new ArrayList<>());
            } else {
                break;
            }
        }
        return out;
    }

    private static long next(long blk, long first, long last) {
        long n = blk + 1;
        return n >= last ? first : n;
    }
}
