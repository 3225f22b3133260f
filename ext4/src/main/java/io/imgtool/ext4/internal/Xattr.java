package io.imgtool.ext4.internal;

import io.imgtool.ext4.ondisk.XattrNames;
import java.nio.charset.StandardCharsets;

/**
 * One extended attribute as stored: namespace index, name suffix, raw value (ext4's on-disk form,
 * e.g. its compact POSIX ACL encoding) and where it lives.
 */
public record Xattr(int index, byte[] suffix, byte[] value, Where where) {

    public enum Where {
        INODE,
        BLOCK,
        EA_INODE
    }

    public String fullName() {
        return XattrNames.fullName(index, suffix);
    }

    public String suffixString() {
        return new String(suffix, StandardCharsets.UTF_8);
    }
}
