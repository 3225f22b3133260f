package io.imgtool.sysprep.seal;

import io.imgtool.core.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * Replaces UUID text inside a FAT filesystem (the ESP) without a FAT writer: GRUB's UEFI stub
 * config ({@code EFI/<distro>/grub.cfg}: {@code search.fs_uuid <root uuid> root}) names the root
 * filesystem, and a UUID and its replacement have the same length, so the bytes are replaced where
 * they lie: no cluster, directory entry or allocation table changes. FAT keeps no checksums over file
 * data. A UUID split across two non-adjacent clusters of a fragmented file would be missed (a
 * grub.cfg is one cluster); an occurrence in free space is replaced too, harmlessly.
 */
final class EspPatch {

    private static final int WINDOW = 1 << 20;

    private EspPatch() {
    }

    /**
     * Replaces every occurrence of each old id (lower and upper case) with its new id.
     *
     * @param dryRun count only
     * @return the number of occurrences (replaced, or found in a dry run)
     */
    static int replace(BlockDevice part, Map<String, String> replacements, boolean dryRun) throws IOException {
        int count = 0;
        for (Map.Entry<String, String> e : replacements.entrySet()) {
            String oldL = e.getKey().toLowerCase(Locale.ROOT);
            String newL = e.getValue().toLowerCase(Locale.ROOT);
            if (oldL.length() != newL.length()) {
                throw new IllegalArgumentException("ids of different lengths: " + oldL + ", " + newL);
            }
            count += replaceBytes(part, oldL, newL, dryRun);
            count += replaceBytes(part, oldL.toUpperCase(Locale.ROOT), newL.toUpperCase(Locale.ROOT), dryRun);
        }
        return count;
    }

    private static int replaceBytes(BlockDevice part, String old, String neu, boolean dryRun) throws IOException {
        byte[] o = old.getBytes(StandardCharsets.US_ASCII);
        byte[] n = neu.getBytes(StandardCharsets.US_ASCII);
        int overlap = o.length - 1;
        byte[] buf = new byte[WINDOW + overlap];
        long size = part.size();
        int count = 0;
        for (long pos = 0; pos < size; pos += WINDOW) {
            int len = (int) Math.min(buf.length, size - pos);
            boolean any = false;
            for (io.imgtool.core.Extent x : part.extents(pos, len)) {
                any |= !x.allocation().readsAsZero();
            }
            if (!any) {
                continue;
            }
            part.read(ByteBuffer.wrap(buf, 0, len), pos);
            for (int i = 0; i + o.length <= len; i++) {
                if (i >= WINDOW) {
                    break; // the overlap is searched as part of the next window
                }
                if (buf[i] == o[0] && matches(buf, i, o)) {
                    count++;
                    if (!dryRun) {
                        part.write(ByteBuffer.wrap(n), pos + i);
                    }
                    i += o.length - 1;
                }
            }
        }
        return count;
    }

    private static boolean matches(byte[] b, int at, byte[] p) {
        for (int k = 0; k < p.length; k++) {
            if (b[at + k] != p[k]) {
                return false;
            }
        }
        return true;
    }
}
