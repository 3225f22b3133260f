package io.imgtool.ext4.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imgtool.core.ImageFormatException;
import io.imgtool.ext4.internal.DirBlock;
import io.imgtool.ext4.internal.DxHash;
import io.imgtool.ext4.ondisk.ExtentLeaf;
import io.imgtool.ext4.ondisk.Inode;
import io.imgtool.ext4.ondisk.Le;
import io.imgtool.ext4.ondisk.JournalRevokeBlock;
import io.imgtool.ext4.ondisk.JournalSuperblock;
import io.imgtool.ext4.ondisk.PosixAcl;
import io.imgtool.ext4.ondisk.Superblock;
import io.imgtool.ext4.ondisk.VfsCapability;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Jazzer fuzz tests of the ext4 parsers. Whole-image targets mutate one region of a small mke2fs
 * image (superblock, group descriptors and inode table, an extent block, directory blocks, an xattr
 * block, the journal) and then open it and walk everything: only I/O exceptions may come out, never
 * a runtime exception, a hang or an OOM. Structure targets feed raw bytes to one parser. Without
 * {@code -Pfuzz} the seed corpus in {@code Ext4FuzzTestInputs/} is replayed.
 */
class Ext4FuzzTest {

    private static final int BS = 1024;

    @FuzzTest(maxDuration = "60s")
    void superblock(FuzzedDataProvider data) throws IOException {
        byte[] img = SeedImages.plain();
        SeedImages.openAndWalk(SeedImages.mutate(img, Superblock.OFFSET, Superblock.OFFSET + Superblock.SIZE, data));
    }

    @FuzzTest(maxDuration = "60s")
    void groupsAndInodes(FuzzedDataProvider data) throws IOException {
        byte[] img = SeedImages.plain();
        // 1 KiB blocks: descriptors in block 2, bitmaps and the inode table follow within the first 64 blocks.
        SeedImages.openAndWalk(SeedImages.mutate(img, 2 * BS, 80L * BS, data));
    }

    @FuzzTest(maxDuration = "60s")
    void extentsDirectoriesAndXattrs(FuzzedDataProvider data) throws IOException {
        byte[] img = SeedImages.plain();
        // Data, extent, directory and xattr blocks of the small tree lie after the metadata.
        SeedImages.openAndWalk(SeedImages.mutate(img, 80L * BS, Math.min(img.length, 400L * BS), data));
    }

    @FuzzTest(maxDuration = "60s")
    void journal(FuzzedDataProvider data) throws IOException {
        byte[] img = SeedImages.journaled();
        // The journal's blocks, from the superblock's backup of the journal inode's i_block.
        Superblock sb = Superblock.parse(ByteBuffer.wrap(img, (int) Superblock.OFFSET, Superblock.SIZE));
        long[] jb = sb.jnlBlocks();
        byte[] iblock = new byte[60];
        for (int i = 0; i < 15; i++) {
            Le.put32(iblock, 4 * i, jb[i]);
        }
        ExtentLeaf first = ExtentLeaf.parse(iblock, 12);
        long from = first.startBlock() * BS;
        long to = Math.min(img.length, from + 16L * BS);
        SeedImages.openAndWalk(SeedImages.mutate(img, from, to, data));
    }

    @FuzzTest(maxDuration = "30s")
    void inodeBytes(FuzzedDataProvider data) {
        int size = data.consumeBoolean() ? 128 : 256;
        byte[] raw = data.consumeBytes(size);
        if (raw.length < size) {
            return;
        }
        try {
            Inode i = Inode.parse(ByteBuffer.wrap(raw), size, "fuzz inode", 0);
            i.atime();
            i.mtime();
            i.ctime();
            i.crtime();
            i.device();
            i.blocks512(true, 4096);
            i.xattrAreaOffset();
            i.projectId();
        } catch (ImageFormatException expected) {
            // bad i_extra_isize
        }
    }

    @FuzzTest(maxDuration = "30s")
    void directoryBlock(FuzzedDataProvider data) {
        int bs = 1024 << data.consumeInt(0, 6);
        byte[] b = data.consumeBytes(bs);
        DirBlock.parse(b, 0, b.length, bs, data.consumeBoolean(), 1 << 20);
        byte[] name = data.consumeRemainingAsBytes();
        for (int v = 0; v <= 5; v++) {
            DxHash.hash(v, name, 0, name.length, new int[] {1, 2, 3, 4});
        }
    }

    @FuzzTest(maxDuration = "30s")
    void xattrValues(FuzzedDataProvider data) {
        byte[] v = data.consumeRemainingAsBytes();
        try {
            PosixAcl.parse(v, "fuzz").toVfs();
        } catch (ImageFormatException expected) {
            // not an ACL
        }
        try {
            VfsCapability.parse(v, "fuzz").toText();
        } catch (ImageFormatException expected) {
            // not a capability
        }
    }

    @FuzzTest(maxDuration = "30s")
    void journalStructures(FuzzedDataProvider data) {
        byte[] b = data.consumeBytes(1024);
        if (b.length < 1024) {
            return;
        }
        try {
            JournalSuperblock js = JournalSuperblock.parse(b, "fuzz", 0);
            js.tagBytes();
            JournalRevokeBlock.parse(b, js.hasIncompat(JournalSuperblock.INCOMPAT_64BIT), 4, "fuzz", 0);
        } catch (ImageFormatException expected) {
            // rejected
        }
    }
}
