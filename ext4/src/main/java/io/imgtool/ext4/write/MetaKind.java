package io.imgtool.ext4.write;

/**
 * What a modified metadata block is; without a journal, a commit writes the kinds in an order that
 * keeps every intermediate state repairable by e2fsck without loss (see {@link OrderedCommit}).
 */
enum MetaKind {
    /** The primary superblock's block. */
    SUPER,
    /** A group descriptor block. */
    GDT,
    /** A block or inode bitmap. */
    BITMAP,
    /** An inode table block. */
    INODE_TABLE,
    /** An htree index block (root or interior node) of a directory. */
    DX_NODE,
    /** Anything else: directory leaves, extent tree nodes, indirect blocks, xattr blocks. */
    OTHER
}
