package io.imgtool.ext4.write;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.core.ImageFormatException;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.ext4.ChecksumPolicy;
import io.imgtool.ext4.internal.FsContext;
import io.imgtool.ext4.internal.Problems;
import io.imgtool.ext4.journal.JournalReplayer;
import io.imgtool.ext4.journal.JournalWriter;
import io.imgtool.ext4.journal.OverlayDevice;
import io.imgtool.ext4.journal.ReplayResult;
import io.imgtool.ext4.ondisk.Checksums;
import io.imgtool.ext4.ondisk.Features;
import io.imgtool.ext4.ondisk.JournalChecksums;
import io.imgtool.ext4.ondisk.JournalSuperblock;
import io.imgtool.ext4.ondisk.Superblock;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * What must hold before anything is written: features this writer implements, no recorded errors,
 * no orphan list, a usable journal; and the journal recovery made real for a filesystem that needs
 * it. Internal.
 */
public final class WriteSupport {

    /** Incompatible features the writer handles (some only partly: see the refusals per file). */
    public static final int INCOMPAT_WRITE = Features.INCOMPAT_FILETYPE | Features.INCOMPAT_RECOVER
            | Features.INCOMPAT_META_BG | Features.INCOMPAT_EXTENTS | Features.INCOMPAT_64BIT | Features.INCOMPAT_FLEX_BG
            | Features.INCOMPAT_EA_INODE | Features.INCOMPAT_CSUM_SEED | Features.INCOMPAT_LARGEDIR
            | Features.INCOMPAT_INLINE_DATA | Features.INCOMPAT_ENCRYPT | Features.INCOMPAT_CASEFOLD;

    /** Read-only-compatible features the writer keeps correct. */
    public static final int RO_COMPAT_WRITE = Features.RO_COMPAT_SPARSE_SUPER | Features.RO_COMPAT_LARGE_FILE
            | Features.RO_COMPAT_BTREE_DIR | Features.RO_COMPAT_HUGE_FILE | Features.RO_COMPAT_GDT_CSUM
            | Features.RO_COMPAT_DIR_NLINK | Features.RO_COMPAT_EXTRA_ISIZE | Features.RO_COMPAT_METADATA_CSUM
            | Features.RO_COMPAT_PROJECT | Features.RO_COMPAT_VERITY;

    private static final String S = "ext4 superblock";

    private WriteSupport() {
    }

    /**
     * Refuses, before any write, a filesystem this writer must not change. (An orphan list is not
     * refused: the writer finishes it first, see {@link Writer#processOrphans}.)
     */
    public static void checkWritable(Superblock sb, boolean ignoreErrors) throws ImageException {
        int inc = sb.featureIncompat() & ~INCOMPAT_WRITE;
        if (inc != 0) {
            throw new UnsupportedFeatureException(S, String.join(",", Features.incompatNames(inc)),
                    "incompatible feature not supported for writing; refusing to write");
        }
        int ro = sb.featureRoCompat() & ~RO_COMPAT_WRITE;
        if (ro != 0) {
            String names = String.join(",", Features.roCompatNames(ro));
            String why = (ro & Features.RO_COMPAT_ORPHAN_PRESENT) != 0
                    ? "the orphan file holds inodes to clean up: run e2fsck first"
                    : (ro & Features.RO_COMPAT_QUOTA) != 0 ? "quota accounting is not kept by this writer"
                    : (ro & Features.RO_COMPAT_BIGALLOC) != 0 ? "cluster allocation (bigalloc) is not implemented"
                    : "read-only-compatible feature not supported for writing";
            throw new UnsupportedFeatureException(S, names, why + "; refusing to write");
        }
        if (sb.hasCompat(Features.COMPAT_HAS_JOURNAL) && sb.journalInum() == 0) {
            throw new UnsupportedFeatureException(S, "external journal", "writing with a journal on another device");
        }
        if (!ignoreErrors && ((sb.state() & Superblock.STATE_ERROR) != 0 || sb.errorCount() != 0)) {
            throw new ImageException(ImageException.Kind.CORRUPT, S, "s_state", Superblock.OFFSET + 0x3A,
                    String.format("0x%x, %d errors", sb.state(), sb.errorCount()),
                    "the filesystem records errors (the kernel found damage): run e2fsck before writing, or allow it with "
                            + "ignoreRecordedErrors", null);
        }
    }

    /** Reads the journal superblock of the internal journal (for writing), checking it. */
    public static JournalWriter journalWriter(FsContext fs) throws IOException {
        JournalFile jf = JournalFile.open(fs, fs.sb.journalInum());
        JournalReplayer r = new JournalReplayer(fs.dev, fs.geo.blockSize, fs.geo.blocksCount, jf);
        JournalSuperblock jsb = r.superblock();
        if (jsb.start() != 0) {
            throw new ImageFormatException("jbd2 journal superblock", "s_start", -1, jsb.start(),
                    "the journal holds transactions but the filesystem does not say it needs recovery: run e2fsck");
        }
        return new JournalWriter(fs.dev, fs.geo.blockSize, jf, jsb);
    }

    /**
     * Replays the journal onto the device (as e2fsck or a mount would), empties it and clears
     * needs_recovery. Returns what was replayed; the caller re-reads the superblock.
     */
    public static ReplayResult recover(BlockDevice dev, Superblock sb, Problems problems) throws IOException {
        if (!dev.isWritable()) {
            throw ImageException.readOnly("device");
        }
        if (sb.journalInum() == 0) {
            throw new UnsupportedFeatureException(S, "external journal", "the journal to replay is on another device");
        }
        FsContext raw = new FsContext(dev, sb, ChecksumPolicy.STRICT, problems, 4L << 20);
        JournalFile jf = JournalFile.open(raw, sb.journalInum());
        JournalReplayer rep = new JournalReplayer(dev, sb.blockSize(), sb.blocksCount(), jf);
        ReplayResult[] r = new ReplayResult[1];
        OverlayDevice ov = rep.replay(r);
        if (ov != null) {
            ov.writeBack(dev);
        }
        dev.flush();
        JournalSuperblock jsb = rep.superblock();
        if (jsb.start() != 0) {
            jsb.setStart(0);
            jsb.setSequence((r[0].firstSequence() + r[0].transactions() + 1) & 0xffffffffL);
            JournalChecksums.setSuperblock(jsb);
            byte[] b = new byte[JournalSuperblock.SIZE];
            jsb.writeTo(b);
            dev.write(ByteBuffer.wrap(b), jf.physical(0) * sb.blockSize());
            dev.flush();
        }
        ByteBuffer sbuf = ByteBuffer.allocate(Superblock.SIZE);
        dev.read(sbuf, Superblock.OFFSET);
        Superblock now = Superblock.parse(sbuf.flip());
        now.setFeatureIncompat(now.featureIncompat() & ~Features.INCOMPAT_RECOVER);
        Checksums.of(now).setSuperblock(now);
        dev.write(ByteBuffer.wrap(now.toBytes()), Superblock.OFFSET);
        dev.flush();
        return r[0];
    }
}
