package io.imgtool.ext4.ondisk;

/**
 * The hashed-directory root info at byte 0x18 of a directory's first block (after the "." and ".."
 * entries): hash version, info length (8) and the number of index levels below the root.
 */
public record DxRootInfo(long reservedZero, int hashVersion, int infoLength, int indirectLevels, int unusedFlags) {

    public static final int OFFSET = 0x18;
    public static final int SIZE = 8;

    // hash versions
    public static final int HASH_LEGACY = 0;
    public static final int HASH_HALF_MD4 = 1;
    public static final int HASH_TEA = 2;
    public static final int HASH_LEGACY_UNSIGNED = 3;
    public static final int HASH_HALF_MD4_UNSIGNED = 4;
    public static final int HASH_TEA_UNSIGNED = 5;
    public static final int HASH_SIPHASH = 6;

    public static DxRootInfo parse(byte[] block) {
        return new DxRootInfo(Le.u32(block, OFFSET), Le.u8(block, OFFSET + 4), Le.u8(block, OFFSET + 5),
                Le.u8(block, OFFSET + 6), Le.u8(block, OFFSET + 7));
    }

    public void writeTo(byte[] block) {
        Le.put32(block, OFFSET, reservedZero);
        Le.put8(block, OFFSET + 4, hashVersion);
        Le.put8(block, OFFSET + 5, infoLength);
        Le.put8(block, OFFSET + 6, indirectLevels);
        Le.put8(block, OFFSET + 7, unusedFlags);
    }

    public static String hashName(int version) {
        return switch (version) {
            case HASH_LEGACY -> "legacy";
            case HASH_HALF_MD4 -> "half_md4";
            case HASH_TEA -> "tea";
            case HASH_LEGACY_UNSIGNED -> "legacy_unsigned";
            case HASH_HALF_MD4_UNSIGNED -> "half_md4_unsigned";
            case HASH_TEA_UNSIGNED -> "tea_unsigned";
            case HASH_SIPHASH -> "siphash";
            default -> "unknown(" + version + ")";
        };
    }
}
