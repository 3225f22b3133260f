package io.imgtool.qcow2.internal;

import io.imgtool.core.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** One entry of the internal snapshot table. Listed and checked; the active layer is what is read. */
public record Snapshot(long l1TableOffset, int l1Size, String id, String name, long dateSeconds, int dateNanos,
                       long vmClockNanos, long vmStateSize, long diskSize, long tableOffset) {

    private static final String STRUCT = "qcow2 snapshot table";
    /** qemu's limit on the whole table. */
    private static final long MAX_TABLE = 64L << 20;

    public static List<Snapshot> readAll(Header h, HostFile file) throws IOException {
        List<Snapshot> out = new ArrayList<>();
        long pos = h.snapshotsOffset;
        long n = Integer.toUnsignedLong(h.nbSnapshots);
        Geometry g = new Geometry(h.clusterBits, h.extendedL2(), h.refcountOrder);
        for (long i = 0; i < n; i++) {
            if (pos - h.snapshotsOffset > MAX_TABLE || pos + 40 > file.size()) {
                throw new ImageFormatException(STRUCT, "entry " + i, pos, null, "runs past the end of the file or 64 MiB");
            }
            ByteBuffer f = ByteBuffer.allocate(40);
            file.read(f, pos);
            f.flip();
            long l1Off = f.getLong();
            int l1Size = f.getInt();
            int idLen = f.getShort() & 0xffff;
            int nameLen = f.getShort() & 0xffff;
            long sec = Integer.toUnsignedLong(f.getInt());
            int nsec = f.getInt();
            long clock = f.getLong();
            long vmState = Integer.toUnsignedLong(f.getInt());
            long extraLen = Integer.toUnsignedLong(f.getInt());
            if (extraLen > 1024) {
                throw new ImageFormatException(STRUCT, "extra_data_size", pos + 36, extraLen, "larger than 1 KiB");
            }
            int varLen = (int) extraLen + idLen + nameLen;
            if (pos + 40 + varLen > file.size()) {
                throw new ImageFormatException(STRUCT, "entry " + i, pos, null, "runs past the end of the file");
            }
            ByteBuffer v = ByteBuffer.allocate(varLen);
            file.read(v, pos + 40);
            v.flip();
            long diskSize = h.size;
            if (extraLen >= 8) {
                vmState = v.getLong(0);
            }
            if (extraLen >= 16) {
                diskSize = v.getLong(8);
            }
            String id = new String(v.array(), (int) extraLen, idLen, StandardCharsets.UTF_8);
            String name = new String(v.array(), (int) extraLen + idLen, nameLen, StandardCharsets.UTF_8);
            long l1Entries = Integer.toUnsignedLong(l1Size);
            if (l1Entries * 8 > Header.MAX_L1_BYTES) {
                throw new ImageFormatException(STRUCT, "l1_size", pos + 8, l1Entries, "L1 table larger than 32 MiB");
            }
            if (l1Entries > 0 && (l1Off <= 0 || (l1Off & (g.clusterSize() - 1)) != 0
                    || l1Off > file.size() - l1Entries * 8)) {
                throw new ImageFormatException(STRUCT, "l1_table_offset", pos, l1Off,
                        "snapshot L1 table unaligned, in the header or outside the file");
            }
            out.add(new Snapshot(l1Off, l1Size, id, name, sec, nsec, clock, vmState, diskSize, pos));
            pos += (40 + varLen + 7) & ~7L;
        }
        return out;
    }
}
