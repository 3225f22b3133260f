package io.imgtool.ext4;

import io.imgtool.core.ImageFormatException;
import io.imgtool.ext4.internal.FsContext;
import io.imgtool.ext4.ondisk.Superblock;
import io.imgtool.ext4.write.Writer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/** Applies a change to every backup superblock, as tune2fs updates them for label and UUID changes. */
final class SuperblockBackups {

    private SuperblockBackups() {
    }

    /** Within a running writer operation: changes each backup superblock and sets its checksum. */
    static void update(FsContext fs, Writer w, Consumer<Superblock> change) throws IOException {
        for (long g = 1; g < fs.geo.groupCount; g++) {
            if (!fs.geo.hasSuper(g)) {
                continue;
            }
            long block = fs.geo.groupFirstBlock(g);
            byte[] ro = fs.cache.get(block, "backup superblock of group " + g);
            Superblock backup;
            try {
                backup = Superblock.parse(ByteBuffer.wrap(ro, 0, Superblock.SIZE));
            } catch (ImageFormatException e) {
                continue; // not a backup (e.g. never written); leave it alone
            }
            change.accept(backup);
            fs.csums.setSuperblock(backup);
            byte[] b = w.modifyBlock(block, "backup superblock of group " + g);
            backup.writeTo(ByteBuffer.wrap(b, 0, Superblock.SIZE));
        }
    }
}
