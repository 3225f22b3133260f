package io.imgtool.ext4.nio;

import io.imgtool.ext4.ondisk.Features;
import io.imgtool.ext4.ondisk.Superblock;
import java.nio.file.FileStore;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.FileStoreAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserDefinedFileAttributeView;

/** The filesystem as a store: label, type (ext2/ext3/ext4) and space from the superblock. */
final class Ext4FileStore extends FileStore {

    private final Superblock sb;
    private final boolean readOnly;

    Ext4FileStore(Superblock sb, boolean readOnly) {
        this.sb = sb;
        this.readOnly = readOnly;
    }

    @Override
    public String name() {
        return sb.volumeName();
    }

    @Override
    public String type() {
        boolean ext4 = (sb.featureIncompat() & ~(Features.INCOMPAT_FILETYPE | Features.INCOMPAT_RECOVER
                | Features.INCOMPAT_META_BG)) != 0
                || (sb.featureRoCompat() & ~(Features.RO_COMPAT_SPARSE_SUPER | Features.RO_COMPAT_LARGE_FILE
                | Features.RO_COMPAT_BTREE_DIR)) != 0;
        if (ext4) {
            return "ext4";
        }
        return sb.hasCompat(Features.COMPAT_HAS_JOURNAL) ? "ext3" : "ext2";
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public long getTotalSpace() {
        return sb.blocksCount() * sb.blockSize();
    }

    @Override
    public long getUsableSpace() {
        return Math.max(0, sb.freeBlocksCount() - sb.reservedBlocksCount()) * sb.blockSize();
    }

    @Override
    public long getUnallocatedSpace() {
        return sb.freeBlocksCount() * sb.blockSize();
    }

    @Override
    public boolean supportsFileAttributeView(Class<? extends FileAttributeView> type) {
        return type == BasicFileAttributeView.class || type == PosixFileAttributeView.class
                || type == FileOwnerAttributeView.class || type == Ext4FileAttributeView.class
                || type == UserDefinedFileAttributeView.class || type == Ext4XattrView.class;
    }

    @Override
    public boolean supportsFileAttributeView(String name) {
        return Ext4FileSystem.VIEWS.contains(name);
    }

    @Override
    public <V extends FileStoreAttributeView> V getFileStoreAttributeView(Class<V> type) {
        return null;
    }

    @Override
    public Object getAttribute(String attribute) {
        throw new UnsupportedOperationException("no file store attribute " + attribute);
    }

    @Override
    public String toString() {
        return "ext4 " + sb.uuidString() + (name().isEmpty() ? "" : " (" + name() + ")");
    }
}
