package io.imgtool.ext4.write;

import io.imgtool.ext4.ondisk.Inode;
import java.io.IOException;
import java.util.List;

/** Loads a file's block mapping into a {@link FileMap} and stores it back (extent tree or block map). */
interface MappingStore {

    /** The mapping of the inode as it is now. */
    FileMap load() throws IOException;

    /**
     * Writes {@code map} back: rewrites the tree nodes that changed, allocates and frees node blocks,
     * updates the inode's i_block and its block count by the change in node blocks. The caller
     * stores the inode.
     */
    void store(FileMap map, Inode inode) throws IOException;

    /** The blocks the mapping structure itself occupies (tree nodes, indirect blocks). */
    List<Long> nodeBlocks();
}
