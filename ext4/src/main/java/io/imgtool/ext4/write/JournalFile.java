package io.imgtool.ext4.write;

import io.imgtool.core.ImageFormatException;
import io.imgtool.ext4.internal.BlockMap;
import io.imgtool.ext4.internal.FileData;
import io.imgtool.ext4.internal.FsContext;
import io.imgtool.ext4.internal.Run;
import io.imgtool.ext4.journal.JournalBlocks;
import io.imgtool.ext4.ondisk.Inode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The internal journal's blocks (the journal inode's mapping), resolved once into runs. */
final class JournalFile implements JournalBlocks {

    private final long count;
    private final long[] logical;
    private final long[] physical;
    private final long[] length;

    private JournalFile(long count, List<long[]> runs) {
        this.count = count;
        this.logical = new long[runs.size()];
        this.physical = new long[runs.size()];
        this.length = new long[runs.size()];
        for (int i = 0; i < runs.size(); i++) {
            logical[i] = runs.get(i)[0];
            physical[i] = runs.get(i)[1];
            length[i] = runs.get(i)[2];
        }
    }

    static JournalFile open(FsContext fs, long ino) throws IOException {
        Inode ji = fs.inode(ino);
        FileData fd = new FileData(fs, ino, ji);
        long count = fd.size() / fs.geo.blockSize;
        if (count < 2 || count > (1L << 31)) {
            throw new ImageFormatException("journal inode " + ino, "i_size", fs.inodeOffset(ino) + 4, fd.size(),
                    "not a usable journal size");
        }
        BlockMap map = fd.map();
        List<long[]> runs = new ArrayList<>();
        long l = 0;
        while (l < count) {
            Run r = map.find(l);
            if (r.kind() != Run.Kind.MAPPED) {
                throw new ImageFormatException("journal inode " + ino, "block", -1, l, "journal block not mapped");
            }
            long n = Math.min(r.length(), count - l);
            runs.add(new long[] {l, r.physical(), n});
            l += n;
        }
        return new JournalFile(count, runs);
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public long physical(long l) throws IOException {
        if (l < 0 || l >= count) {
            throw new ImageFormatException("jbd2 journal", "block", -1, l, "outside the journal of " + count + " blocks");
        }
        int lo = 0;
        int hi = logical.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (logical[mid] <= l) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return physical[lo] + (l - logical[lo]);
    }
}
