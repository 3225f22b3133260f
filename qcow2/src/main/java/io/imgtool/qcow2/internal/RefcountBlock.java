package io.imgtool.qcow2.internal;

import java.nio.ByteBuffer;

/**
 * Reading and writing one entry of a refcount block of width 1, 2, 4, 8, 16, 32 or 64 bits. Sub-byte
 * entries fill each byte from its least significant bit; wider ones are big-endian.
 */
public final class RefcountBlock {

    private RefcountBlock() {
    }

    public static long get(ByteBuffer b, int order, int index) {
        switch (order) {
            case 0, 1, 2: {
                int perByte = 8 >> order;
                int v = b.get(index / perByte) & 0xff;
                int shift = (index % perByte) << order;
                return (v >>> shift) & ((1 << (1 << order)) - 1);
            }
            case 3:
                return b.get(index) & 0xffL;
            case 4:
                return b.getShort(index * 2) & 0xffffL;
            case 5:
                return b.getInt(index * 4) & 0xffffffffL;
            default:
                return b.getLong(index * 8);
        }
    }

    public static void set(ByteBuffer b, int order, int index, long value) {
        switch (order) {
            case 0, 1, 2: {
                int perByte = 8 >> order;
                int at = index / perByte;
                int shift = (index % perByte) << order;
                int mask = ((1 << (1 << order)) - 1) << shift;
                int v = b.get(at) & 0xff;
                b.put(at, (byte) ((v & ~mask) | (((int) value << shift) & mask)));
                break;
            }
            case 3:
                b.put(index, (byte) value);
                break;
            case 4:
                b.putShort(index * 2, (short) value);
                break;
            case 5:
                b.putInt(index * 4, (int) value);
                break;
            default:
                b.putLong(index * 8, value);
        }
    }
}
