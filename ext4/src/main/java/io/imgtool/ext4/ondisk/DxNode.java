package io.imgtool.ext4.ondisk;

import io.imgtool.core.ImageFormatException;
import java.util.ArrayList;
import java.util.List;

/**
 * A hashed-directory index block: the root (block 0: ".", "..", {@link DxRootInfo}, then the entry
 * array at 0x20) or an interior node (a fake empty entry spanning the block, entry array at 8). The
 * first array slot holds limit and count instead of a hash; its block pointer is the child for
 * hashes below the second entry.
 */
public record DxNode(boolean root, int countOffset, int limit, int count, List<DxEntry> entries) {

    public static final int ROOT_COUNT_OFFSET = 0x20;
    public static final int NODE_COUNT_OFFSET = 8;

    /** Parses the array of {@code block}; checks that limit and count fit the block. */
    public static DxNode parse(byte[] block, int blockSize, boolean root, String where, long offset)
            throws ImageFormatException {
        int co = root ? ROOT_COUNT_OFFSET : NODE_COUNT_OFFSET;
        int limit = Le.u16(block, co);
        int count = Le.u16(block, co + 2);
        int maxSane = (blockSize - co) / DxEntry.SIZE;
        if (limit == 0 || limit > maxSane) {
            throw new ImageFormatException(where, "dx limit", offset + co, limit, "index has room for " + maxSane);
        }
        if (count == 0 || count > limit) {
            throw new ImageFormatException(where, "dx count", offset + co + 2, count, "must be 1.." + limit);
        }
        List<DxEntry> entries = new ArrayList<>(count);
        entries.add(new DxEntry(0, Le.u32(block, co + 4)));
        for (int i = 1; i < count; i++) {
            entries.add(DxEntry.parse(block, co + i * DxEntry.SIZE));
        }
        return new DxNode(root, co, limit, count, List.copyOf(entries));
    }

    /** Writes limit, count and the entries back into {@code block}. */
    public void writeTo(byte[] block) {
        Le.put16(block, countOffset, limit);
        Le.put16(block, countOffset + 2, count);
        Le.put32(block, countOffset + 4, entries.get(0).block());
        for (int i = 1; i < entries.size(); i++) {
            entries.get(i).writeTo(block, countOffset + i * DxEntry.SIZE);
        }
    }

    /** Offset of the {@link DxTail} (after {@code limit} entries). */
    public int tailOffset() {
        return countOffset + limit * DxEntry.SIZE;
    }

    /**
     * Whether {@code block} looks like an interior index node: one empty entry (inode 0, name_len 0)
     * whose rec_len spans the whole block.
     */
    public static boolean looksLikeNode(byte[] block, int blockSize) {
        return Le.u32(block, 0) == 0 && DirEntry.decodeRecLen(Le.u16(block, 4), blockSize) == blockSize
                && Le.u8(block, 6) == 0;
    }
}
