package io.imgtool.gpt.ondisk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;
import java.util.random.RandomGenerator;

/**
 * GUIDs as GPT stores them: the first three fields little-endian, the last eight bytes in order
 * ("mixed endian", UEFI specification appendix A). {@code C12A7328-F81F-11D2-BA4B-00A0C93EC93B} is
 * stored as {@code 28 73 2A C1 1F F8 D2 11 BA 4B 00 A0 C9 3E C9 3B}.
 */
public final class Guids {

    /** The all-zero GUID: an unused entry's type. */
    public static final UUID ZERO = new UUID(0, 0);

    private Guids() {
    }

    /** Reads 16 bytes at {@code off} of {@code b} (absolute, position unchanged). */
    public static UUID read(ByteBuffer b, int off) {
        ByteBuffer le = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long d1 = le.getInt(off) & 0xffffffffL;
        long d2 = le.getShort(off + 4) & 0xffffL;
        long d3 = le.getShort(off + 6) & 0xffffL;
        long hi = d1 << 32 | d2 << 16 | d3;
        long lo = b.duplicate().order(ByteOrder.BIG_ENDIAN).getLong(off + 8);
        return new UUID(hi, lo);
    }

    /** Writes {@code g} as 16 bytes at {@code off} of {@code b} (absolute, position unchanged). */
    public static void write(ByteBuffer b, int off, UUID g) {
        long hi = g.getMostSignificantBits();
        ByteBuffer le = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        le.putInt(off, (int) (hi >>> 32));
        le.putShort(off + 4, (short) (hi >>> 16));
        le.putShort(off + 6, (short) hi);
        b.duplicate().order(ByteOrder.BIG_ENDIAN).putLong(off + 8, g.getLeastSignificantBits());
    }

    /** A random (version 4, RFC 4122 variant) GUID drawn from {@code random}, for reproducible output. */
    public static UUID random(RandomGenerator random) {
        long hi = random.nextLong();
        long lo = random.nextLong();
        hi = (hi & ~0xF000L) | 0x4000L;
        lo = (lo & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(hi, lo);
    }

    /** Upper-case text, as sgdisk and sfdisk print GUIDs. */
    public static String toText(UUID g) {
        return g.toString().toUpperCase(java.util.Locale.ROOT);
    }

    /** Parses a GUID in its 8-4-4-4-12 text form, either case; IllegalArgumentException otherwise. */
    public static UUID parse(String text) {
        String s = text.trim();
        if (!s.matches("[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")) {
            throw new IllegalArgumentException("not a GUID: '" + text + "'");
        }
        return UUID.fromString(s);
    }
}
