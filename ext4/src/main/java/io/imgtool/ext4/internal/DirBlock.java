package io.imgtool.ext4.internal;

import io.imgtool.ext4.ondisk.DirEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The live entries of one directory region (a block, or an inline-data region), checked entry by
 * entry as the kernel's ext4_check_dir_entry does. Parsing stops at the first bad entry; what came
 * before is kept and {@link #error} says what was wrong.
 */
public record DirBlock(List<DirEntry> entries, String error, int errorOffset) {

    /**
     * @param region the bytes
     * @param from first entry offset
     * @param to end of the region (exclusive)
     * @param blockSize for rec_len decoding
     * @param inodesCount bound for inode numbers
     */
    public static DirBlock parse(byte[] region, int from, int to, int blockSize, boolean filetype, long inodesCount) {
        List<DirEntry> out = new ArrayList<>();
        int off = from;
        while (off < to) {
            if (to - off < 8) {
                return new DirBlock(out, "entry header past the end of the block", off);
            }
            DirEntry e = DirEntry.parse(region, off, blockSize, filetype);
            int rl = e.recLen();
            String err = null;
            if (rl < 12) {
                err = "rec_len " + rl + " smaller than the minimum 12";
            } else if (rl % 4 != 0) {
                err = "rec_len " + rl + " not a multiple of 4";
            } else if (rl < DirEntry.minRecLen(e.nameLen())) {
                err = "rec_len " + rl + " too small for name_len " + e.nameLen();
            } else if ((long) off + rl > to) {
                err = "rec_len " + rl + " runs past the end of the block";
            } else if (off + rl > to - 12 && off + rl != to) {
                err = "rec_len " + rl + " leaves a gap too small for an entry at the end of the block";
            } else if (e.inode() > inodesCount) {
                err = "inode " + e.inode() + " out of range 1.." + inodesCount;
            } else if (e.nameLen() > DirEntry.MAX_NAME) {
                err = "name_len " + e.nameLen() + " above 255";
            }
            if (err != null) {
                return new DirBlock(out, err, off);
            }
            if (e.inode() != 0 && e.nameLen() > 0) {
                out.add(e);
            }
            off += rl;
        }
        return new DirBlock(out, null, -1);
    }

    /** The entry named {@code name}, or null. */
    public DirEntry find(byte[] name) {
        for (DirEntry e : entries) {
            if (e.nameLen() == name.length && Arrays.equals(e.name(), name)) {
                return e;
            }
        }
        return null;
    }
}
