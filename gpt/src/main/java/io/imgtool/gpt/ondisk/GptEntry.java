package io.imgtool.gpt.ondisk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;

/**
 * One GPT partition entry (UEFI specification 2.x, section 5.3.3): type GUID at 0, unique partition
 * GUID at 16, first and last LBA (inclusive) at 32 and 40, attribute bits at 48 and the name, 36
 * UTF-16LE code units, at 56. An entry larger than 128 bytes keeps its extra bytes in {@link #extra}.
 * The name's 72 bytes are kept raw so bytes after the terminating NUL survive a rewrite.
 */
public record GptEntry(UUID typeGuid, UUID partitionGuid, long firstLba, long lastLba, long attributes,
                       byte[] rawName, byte[] extra) {

    public static final int SIZE = 128;
    public static final int NAME_OFFSET = 56;
    public static final int NAME_BYTES = 72;
    /** The longest name in UTF-16 code units. */
    public static final int NAME_CHARS = NAME_BYTES / 2;

    public GptEntry {
        if (rawName.length != NAME_BYTES) {
            throw new IllegalArgumentException("a GPT name has 72 bytes");
        }
        rawName = rawName.clone();
        extra = extra.clone();
    }

    /** An unused entry of {@code entrySize} bytes. */
    public static GptEntry empty(int entrySize) {
        return new GptEntry(Guids.ZERO, Guids.ZERO, 0, 0, 0, new byte[NAME_BYTES], new byte[entrySize - SIZE]);
    }

    /** A used entry with a name and no extra bytes beyond {@code entrySize}'s 128. */
    public static GptEntry of(UUID type, UUID partition, long first, long last, long attributes, String name,
                              int entrySize) {
        return new GptEntry(type, partition, first, last, attributes, encodeName(name), new byte[entrySize - SIZE]);
    }

    /** Parses {@code entrySize} bytes at {@code off} of {@code b}. */
    public static GptEntry parse(ByteBuffer b, int off, int entrySize) {
        ByteBuffer le = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        byte[] name = new byte[NAME_BYTES];
        le.get(off + NAME_OFFSET, name);
        byte[] extra = new byte[entrySize - SIZE];
        le.get(off + SIZE, extra);
        return new GptEntry(Guids.read(le, off), Guids.read(le, off + 16), le.getLong(off + 32),
                le.getLong(off + 40), le.getLong(off + 48), name, extra);
    }

    /** Writes {@code SIZE + extra.length} bytes at {@code off} of {@code b}. */
    public void writeTo(ByteBuffer b, int off) {
        ByteBuffer le = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        Guids.write(le, off, typeGuid);
        Guids.write(le, off + 16, partitionGuid);
        le.putLong(off + 32, firstLba);
        le.putLong(off + 40, lastLba);
        le.putLong(off + 48, attributes);
        le.put(off + NAME_OFFSET, rawName);
        le.put(off + SIZE, extra);
    }

    /** Whether the entry is unused (type GUID all zero, as the specification defines it). */
    public boolean isEmpty() {
        return typeGuid.equals(Guids.ZERO);
    }

    /** Size of the entry on disk. */
    public int size() {
        return SIZE + extra.length;
    }

    /** Sectors covered ({@code last - first + 1}); 0 if the range is reversed. */
    public long sectors() {
        return lastLba >= firstLba ? lastLba - firstLba + 1 : 0;
    }

    /** The name: UTF-16LE up to the first NUL code unit (unpaired surrogates become U+FFFD). */
    public String name() {
        int n = 0;
        while (n < NAME_CHARS && (rawName[2 * n] != 0 || rawName[2 * n + 1] != 0)) {
            n++;
        }
        return new String(rawName, 0, 2 * n, StandardCharsets.UTF_16LE);
    }

    /**
     * Encodes a name into the 72-byte field, zero-filled. Throws IllegalArgumentException if it has
     * more than 36 UTF-16 code units or contains NUL.
     */
    public static byte[] encodeName(String name) {
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a partition name cannot contain NUL");
        }
        if (name.length() > NAME_CHARS) {
            throw new IllegalArgumentException("partition name '" + name + "' has " + name.length()
                    + " UTF-16 code units; GPT allows at most " + NAME_CHARS);
        }
        byte[] raw = new byte[NAME_BYTES];
        byte[] enc = name.getBytes(StandardCharsets.UTF_16LE);
        System.arraycopy(enc, 0, raw, 0, enc.length);
        return raw;
    }

    public GptEntry withName(String name) {
        return new GptEntry(typeGuid, partitionGuid, firstLba, lastLba, attributes, encodeName(name), extra);
    }

    public GptEntry withType(UUID type) {
        return new GptEntry(type, partitionGuid, firstLba, lastLba, attributes, rawName, extra);
    }

    public GptEntry withPartitionGuid(UUID guid) {
        return new GptEntry(typeGuid, guid, firstLba, lastLba, attributes, rawName, extra);
    }

    public GptEntry withRange(long first, long last) {
        return new GptEntry(typeGuid, partitionGuid, first, last, attributes, rawName, extra);
    }

    public GptEntry withAttributes(long attrs) {
        return new GptEntry(typeGuid, partitionGuid, firstLba, lastLba, attrs, rawName, extra);
    }

    @Override
    public byte[] rawName() {
        return rawName.clone();
    }

    @Override
    public byte[] extra() {
        return extra.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GptEntry e && typeGuid.equals(e.typeGuid) && partitionGuid.equals(e.partitionGuid)
                && firstLba == e.firstLba && lastLba == e.lastLba && attributes == e.attributes
                && Arrays.equals(rawName, e.rawName) && Arrays.equals(extra, e.extra);
    }

    @Override
    public int hashCode() {
        return typeGuid.hashCode() * 31 + partitionGuid.hashCode() + Long.hashCode(firstLba);
    }

    @Override
    public String toString() {
        return isEmpty() ? "GptEntry[empty]" : "GptEntry[type=" + typeGuid + ", guid=" + partitionGuid + ", "
                + firstLba + ".." + lastLba + ", attrs=0x" + Long.toHexString(attributes) + ", name='" + name() + "']";
    }
}
