package io.imgtool.ext4.mkfs;

import io.imgtool.core.ImageException;
import io.imgtool.core.ImageFormatException;
import io.imgtool.ext4.ondisk.Le;
import io.imgtool.ext4.ondisk.PosixAcl;
import io.imgtool.ext4.ondisk.XattrEntry;
import io.imgtool.ext4.ondisk.XattrHeader;
import io.imgtool.ext4.ondisk.XattrNames;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Lays out a file's extended attributes: as many as fit in the inode body (after the extra fields),
 * the rest in one attribute block (header, entries sorted as the kernel's block lookup expects,
 * values packed from the end). POSIX ACLs are converted to ext4's compact form. Entry hashes and the
 * block hash are computed as the kernel's {@code ext4_xattr_hash_entry} / {@code ext4_xattr_rehash}.
 */
final class Xattrs {

    /** One attribute, ready to store. */
    record Attr(int index, byte[] name, byte[] value) {
        int entrySize() {
            return XattrEntry.entrySize(name.length);
        }

        int valueSize() {
            return XattrEntry.valueSpace(value.length);
        }
    }

    /** The split: attributes for the inode body and for the block (possibly empty). */
    record Split(List<Attr> inInode, List<Attr> inBlock) {
    }

    private Xattrs() {
    }

    static List<Attr> convert(Map<String, byte[]> xattrs, String where) throws ImageException {
        List<Attr> out = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : xattrs.entrySet()) {
            Object[] split = XattrNames.split(e.getKey());
            if (split == null) {
                throw ImageException.invalidArgument(where + ": extended attribute " + e.getKey()
                        + " is in no namespace ext4 stores (user, trusted, security, system)");
            }
            int idx = (Integer) split[0];
            byte[] name = (byte[]) split[1];
            byte[] value = e.getValue();
            if (idx == XattrNames.POSIX_ACL_ACCESS || idx == XattrNames.POSIX_ACL_DEFAULT) {
                try {
                    value = PosixAcl.parse(value, where + " " + e.getKey()).toDisk();
                } catch (ImageFormatException x) {
                    throw ImageException.invalidArgument(where + ": " + e.getKey() + " is not a POSIX ACL: "
                            + x.getMessage());
                }
            }
            if (name.length > 255) {
                throw ImageException.invalidArgument(where + ": extended attribute name too long: " + e.getKey());
            }
            out.add(new Attr(idx, name, value));
        }
        out.sort(Comparator.<Attr>comparingInt(a -> a.index).thenComparingInt(a -> a.name.length)
                .thenComparing((a, b) -> Arrays.compareUnsigned(a.name, b.name)));
        return out;
    }

    /** Splits between the inode body ({@code ibodyBytes} available, -1 for none) and one block. */
    static Split split(List<Attr> attrs, int ibodyBytes, int blockSize, String where) throws ImageException {
        List<Attr> in = new ArrayList<>();
        List<Attr> blk = new ArrayList<>();
        // The body needs its 4-byte magic and a 4-byte end marker.
        int used = 8;
        for (Attr a : attrs) {
            int need = a.entrySize() + a.valueSize();
            if (ibodyBytes > 0 && blk.isEmpty() && used + need <= ibodyBytes) {
                in.add(a);
                used += need;
            } else {
                blk.add(a);
            }
        }
        int blockUsed = XattrHeader.SIZE + 4;
        for (Attr a : blk) {
            blockUsed += a.entrySize() + a.valueSize();
        }
        if (blockUsed > blockSize) {
            throw ImageException.invalidArgument(where + ": extended attributes need " + blockUsed
                    + " bytes, more than one " + blockSize + "-byte block (ea_inode is not supported)");
        }
        return new Split(in, blk);
    }

    /** Writes the in-inode area at {@code off} of {@code raw} (magic, entries, values from the end). */
    static void writeBody(byte[] raw, int off, List<Attr> attrs) {
        if (attrs.isEmpty()) {
            return;
        }
        Le.put32(raw, off, XattrEntry.IBODY_MAGIC);
        int first = off + 4;
        int e = first;
        int v = raw.length;
        for (Attr a : attrs) {
            v -= a.valueSize();
            System.arraycopy(a.value, 0, raw, v, a.value.length);
            long hash = entryHash(a.name, a.value);
            new XattrEntry(a.name.length, a.index, a.value.length == 0 ? 0 : v - first, 0, a.value.length, hash,
                    a.name).writeTo(raw, e);
            e += a.entrySize();
        }
    }

    /** The attribute block (refcount and checksum are set by the caller). */
    static byte[] block(List<Attr> attrs, int blockSize) {
        byte[] b = new byte[blockSize];
        int e = XattrHeader.SIZE;
        int v = blockSize;
        long blockHash = 0;
        for (Attr a : attrs) {
            v -= a.valueSize();
            System.arraycopy(a.value, 0, b, v, a.value.length);
            long hash = entryHash(a.name, a.value);
            new XattrEntry(a.name.length, a.index, a.value.length == 0 ? 0 : v, 0, a.value.length, hash, a.name)
                    .writeTo(b, e);
            e += a.entrySize();
            blockHash = ((blockHash << 16) ^ (blockHash >>> 16) ^ hash) & 0xFFFFFFFFL;
        }
        new XattrHeader(XattrHeader.MAGIC, 1, 1, blockHash, 0, new byte[12]).writeTo(b);
        return b;
    }

    static void setRefcount(byte[] block, long refs) {
        Le.put32(block, 4, refs);
    }

    /** ext4_xattr_hash_entry: the name (bytes unsigned), then the value as little-endian words. */
    static long entryHash(byte[] name, byte[] value) {
        int hash = 0;
        for (byte c : name) {
            hash = (hash << 5) ^ (hash >>> 27) ^ (c & 0xff);
        }
        int words = (value.length + 3) / 4;
        for (int w = 0; w < words; w++) {
            int x = 0;
            for (int k = 0; k < 4; k++) {
                int i = w * 4 + k;
                if (i < value.length) {
                    x |= (value[i] & 0xff) << (8 * k);
                }
            }
            hash = (hash << 16) ^ (hash >>> 16) ^ x;
        }
        return hash & 0xFFFFFFFFL;
    }
}
