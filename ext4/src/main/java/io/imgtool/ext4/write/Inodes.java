package io.imgtool.ext4.write;

import io.imgtool.ext4.internal.FsContext;
import io.imgtool.ext4.ondisk.Inode;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Reads inodes for modification and writes them back into their inode table block with a checksum. */
final class Inodes {

    private final FsContext fs;
    private final Transaction tx;

    Inodes(FsContext fs, Transaction tx) {
        this.fs = fs;
        this.tx = tx;
    }

    /** A modifiable copy of inode {@code ino}. */
    Inode get(long ino) throws IOException {
        return fs.inode(ino).copy();
    }

    /** Stores {@code inode} (checksum set) in its table block and publishes it to readers. */
    void put(long ino, Inode inode) throws IOException {
        fs.checkIno(ino, "ext4 inode " + ino);
        fs.csums.setInode(ino, inode);
        long off = fs.inodeOffset(ino);
        long block = off / fs.geo.blockSize;
        int within = (int) (off % fs.geo.blockSize);
        byte[] b = tx.modify(block, MetaKind.INODE_TABLE, "inode table block of inode " + ino);
        inode.writeTo(ByteBuffer.wrap(b, within, inode.size()));
        fs.putInode(ino, inode.copy());
    }
}
