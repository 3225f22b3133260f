package io.imgtool.ext4.ondisk;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.core.RawFileDevice;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.Scratch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** Round trips of every on-disk structure, and the checksum set/verify pairs on bytes mke2fs wrote. */
class OndiskTest {

    @Property
    void extentLeafRoundTrips(@ForAll @LongRange(max = 0xffffffffL) long logical,
                              @ForAll @IntRange(min = 1, max = 32767) int len,
                              @ForAll @LongRange(max = (1L << 48) - 1) long start, @ForAll boolean uninit) {
        ExtentLeaf e = new ExtentLeaf(logical, len, start, uninit);
        byte[] b = new byte[12];
        e.writeTo(b, 0);
        assertThat(ExtentLeaf.parse(b, 0)).isEqualTo(e);
    }

    @Property
    void extentIndexAndHeaderRoundTrip(@ForAll @LongRange(max = 0xffffffffL) long logical,
                                       @ForAll @LongRange(max = (1L << 48) - 1) long leaf,
                                       @ForAll @IntRange(max = 0xffff) int entries, @ForAll @IntRange(max = 5) int depth) {
        byte[] b = new byte[24];
        new ExtentHeader(ExtentHeader.MAGIC, entries, 340, depth, 7).writeTo(b, 0);
        new ExtentIndex(logical, leaf, 0).writeTo(b, 12);
        assertThat(ExtentHeader.parse(b, 0)).isEqualTo(new ExtentHeader(ExtentHeader.MAGIC, entries, 340, depth, 7));
        assertThat(ExtentIndex.parse(b, 12)).isEqualTo(new ExtentIndex(logical, leaf, 0));
    }

    @Property
    void recLenEncodingIsReversibleForEveryBlockSize(@ForAll @IntRange(min = 3, max = 16384) int quarter,
                                                    @ForAll @IntRange(min = 10, max = 16) int logBs) {
        int bs = 1 << logBs;
        int len = Math.min(quarter * 4, bs);
        assertThat(DirEntry.decodeRecLen(DirEntry.encodeRecLen(len, bs), bs)).isEqualTo(len);
    }

    @Test
    void sixtyFourKibibyteRecLens() {
        assertThat(DirEntry.decodeRecLen(65535, 65536)).isEqualTo(65536);
        assertThat(DirEntry.decodeRecLen(0, 65536)).isEqualTo(65536);
        assertThat(DirEntry.encodeRecLen(65536, 65536)).isEqualTo(65535);
    }

    @Property
    void journalTagsRoundTrip(@ForAll @LongRange(max = (1L << 48)) long block, @ForAll @IntRange(max = 15) int flags,
                              @ForAll @LongRange(max = 0xffff) long csum, @ForAll boolean v3) {
        byte[] b = new byte[16];
        JournalBlockTag t = new JournalBlockTag(block, flags, csum);
        t.writeTo(b, 0, v3, true);
        assertThat(JournalBlockTag.parse(b, 0, v3, true)).isEqualTo(t);
    }

    @Test
    void posixAclForms() throws Exception {
        PosixAcl acl = new PosixAcl(List.of(new PosixAcl.Entry(PosixAcl.TAG_USER_OBJ, PosixAcl.UNDEFINED_ID, 6),
                new PosixAcl.Entry(PosixAcl.TAG_USER, 1000, 6), new PosixAcl.Entry(PosixAcl.TAG_GROUP_OBJ, PosixAcl.UNDEFINED_ID, 4),
                new PosixAcl.Entry(PosixAcl.TAG_MASK, PosixAcl.UNDEFINED_ID, 6),
                new PosixAcl.Entry(PosixAcl.TAG_OTHER, PosixAcl.UNDEFINED_ID, 4)));
        assertThat(PosixAcl.parse(acl.toDisk(), "t")).isEqualTo(acl);
        assertThat(PosixAcl.parse(acl.toVfs(), "t")).isEqualTo(acl);
        assertThat(acl.toDisk()).hasSize(4 + 4 + 8 + 4 + 4 + 4);
        assertThat(acl.toText()).isEqualTo("user::rw-,user:1000:rw-,group::r--,mask::rw-,other::r--");
    }

    @Test
    void capabilityText() throws Exception {
        byte[] v = new byte[20];
        Le.put32(v, 0, 0x02000001);
        Le.put32(v, 4, (1L << 13) | (1L << 12));
        assertThat(VfsCapability.parse(v, "t").toText()).isEqualTo("cap_net_admin,cap_net_raw=ep");
    }

    @Test
    void structuresFromAMke2fsImageRoundTripAndVerify() throws IOException {
        ReferenceTools.require("mkfs.ext4");
        Path dir = Scratch.dir("ext4-ondisk");
        Path img = dir.resolve("o.img");
        Files.deleteIfExists(img);
        ReferenceTools.runOk("mkfs.ext4", "-q", "-F", "-b", "4096", "-g", "4096", img.toString(), "64M");
        try (RawFileDevice d = RawFileDevice.open(img, false)) {
            byte[] sbBytes = d.readBytes(Superblock.OFFSET, Superblock.SIZE);
            Superblock sb = Superblock.parse(ByteBuffer.wrap(sbBytes));
            ByteBuffer out = ByteBuffer.allocate(Superblock.SIZE);
            sb.writeTo(out);
            assertThat(out.array()).isEqualTo(sbBytes);
            Checksums c = Checksums.of(sb);
            assertThat(c.enabled()).isTrue();
            assertThat(c.verifySuperblock(sb)).isTrue();
            // set after a change restores a valid checksum; verify catches the change before
            byte[] changed = sbBytes.clone();
            changed[0x78] = 'X';
            Superblock sb2 = Superblock.parse(ByteBuffer.wrap(changed));
            assertThat(c.verifySuperblock(sb2)).isFalse();
            c.setSuperblock(sb2);
            assertThat(c.verifySuperblock(sb2)).isTrue();

            int ds = sb.descSize();
            byte[] gdt = d.readBytes(4096, 4096);
            for (int g = 0; g < sb.groupCount(); g++) {
                GroupDescriptor gd = GroupDescriptor.parse(ByteBuffer.wrap(gdt, g * ds, ds), ds);
                assertThat(c.verifyGroupDesc(g, gd)).as("group " + g).isTrue();
                ByteBuffer o = ByteBuffer.allocate(ds);
                gd.writeTo(o);
                assertThat(o.array()).isEqualTo(java.util.Arrays.copyOfRange(gdt, g * ds, g * ds + ds));
                assertThat(c.verifyGroupDesc(g + 1, gd)).as("bound to its group number").isFalse();
                if (!gd.hasFlag(GroupDescriptor.INODE_UNINIT)) {
                    byte[] ib = d.readBytes(gd.inodeBitmap() * 4096, 4096);
                    assertThat(c.verifyInodeBitmap(gd, ib, (int) (sb.inodesPerGroup() / 8))).isTrue();
                }
                if (!gd.hasFlag(GroupDescriptor.BLOCK_UNINIT)) {
                    byte[] bb = d.readBytes(gd.blockBitmap() * 4096, 4096);
                    assertThat(c.verifyBlockBitmap(gd, bb, (int) (sb.clustersPerGroup() / 8))).isTrue();
                }
            }
            GroupDescriptor g0 = GroupDescriptor.parse(ByteBuffer.wrap(gdt, 0, ds), ds);
            int isz = sb.inodeSize();
            byte[] rootBytes = d.readBytes(g0.inodeTable() * 4096 + isz, isz); // inode 2
            Inode root = Inode.parse(ByteBuffer.wrap(rootBytes), isz, "inode 2", 0);
            assertThat(root.isDirectory()).isTrue();
            assertThat(c.verifyInode(2, root)).isTrue();
            assertThat(root.toBytes()).isEqualTo(rootBytes);
            byte[] r2 = rootBytes.clone();
            r2[0x24] ^= 1;
            Inode bad = Inode.of(r2);
            assertThat(c.verifyInode(2, bad)).isFalse();
            c.setInode(2, bad);
            assertThat(c.verifyInode(2, bad)).isTrue();
            // The root directory block: a leaf with a checksum tail.
            ExtentLeaf e = ExtentLeaf.parse(root.blockArea(), 12);
            byte[] dirBlock = d.readBytes(e.startBlock() * 4096, 4096);
            int seed = c.inodeSeed(2, root.generation());
            assertThat(DirTail.isPresent(dirBlock, 4096)).isTrue();
            assertThat(c.verifyDirLeaf(seed, dirBlock, 4096)).isTrue();
            dirBlock[20] ^= 1;
            assertThat(c.verifyDirLeaf(seed, dirBlock, 4096)).isFalse();
            c.setDirLeaf(seed, dirBlock, 4096);
            assertThat(c.verifyDirLeaf(seed, dirBlock, 4096)).isTrue();
        }
    }
}
