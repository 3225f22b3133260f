package io.imgtool.ext4.internal;

import java.io.IOException;
import java.util.function.LongConsumer;

/**
 * Logical-to-physical block mapping of one inode: an extent tree or an indirect block map. Lookups
 * are lazy (nothing is materialised per file), so a huge or hostile mapping costs only what is read.
 */
public interface BlockMap {

    /**
     * The run containing {@code logical}: mapped or unwritten blocks from {@code logical} on, or the
     * hole from {@code logical} up to the next mapped block.
     */
    Run find(long logical) throws IOException;

    /**
     * Calls {@code out} with every block the mapping itself occupies (extent tree nodes, indirect
     * blocks), for allocation maps and the writer.
     */
    void forEachMetadataBlock(LongConsumer out) throws IOException;
}
