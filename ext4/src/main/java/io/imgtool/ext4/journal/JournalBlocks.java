package io.imgtool.ext4.journal;

import java.io.IOException;

/** Where the journal's blocks are: the journal inode's mapping, logical block to filesystem block. */
public interface JournalBlocks {

    /** Journal length in blocks. */
    long count();

    /** The filesystem block holding journal block {@code logical}. */
    long physical(long logical) throws IOException;
}
