package io.imgtool.ext4.internal;

import io.imgtool.core.ImageFormatException;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.ext4.ondisk.Inode;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Symbolic link targets: fast (the text in i_block, no blocks allocated), slow (in a data block,
 * through the extent tree or block map) or inline (inline_data). The kernel's rule tells fast from
 * slow: no blocks besides an xattr block.
 */
public final class Symlinks {

    private Symlinks() {
    }

    public static byte[] target(FsContext fs, long ino, Inode inode) throws IOException {
        String where = "ext4 inode " + ino;
        if (!inode.isSymlink()) {
            throw new ImageFormatException(where, -1, "not a symbolic link");
        }
        if (inode.hasFlag(Inode.FL_ENCRYPT)) {
            throw new UnsupportedFeatureException(where, "encrypt", "encrypted symbolic link is not decrypted");
        }
        long size = inode.size64();
        int max = Math.min(fs.geo.blockSize, 65536);
        if (size <= 0 || size > max) {
            throw new ImageFormatException(where, "i_size", fs.inodeOffset(ino) + 4, Long.toUnsignedString(size),
                    "symbolic link target length must be 1.." + max);
        }
        if (inode.hasFlag(Inode.FL_INLINE_DATA)) {
            return new FileData(fs, ino, inode).inlineBytes();
        }
        long eaBlocks = inode.fileAcl() != 0 ? fs.sb.clusterSize() / 512 : 0;
        boolean fast = inode.blocks512(fs.hugeFile, fs.geo.blockSize) - eaBlocks == 0;
        if (fast) {
            if (size >= Inode.BLOCK_SIZE) {
                throw new ImageFormatException(where, "i_size", fs.inodeOffset(ino) + 4, size,
                        "fast symbolic link longer than i_block");
            }
            byte[] b = new byte[(int) size];
            System.arraycopy(inode.blockArea(), 0, b, 0, (int) size);
            return b;
        }
        byte[] b = new byte[(int) size];
        ByteBuffer buf = ByteBuffer.wrap(b);
        FileData d = new FileData(fs, ino, inode);
        while (buf.hasRemaining()) {
            if (d.read(buf, buf.position()) <= 0) {
                break;
            }
        }
        return b;
    }
}
