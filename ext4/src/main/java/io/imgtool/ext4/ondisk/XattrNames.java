package io.imgtool.ext4.ondisk;

import java.nio.charset.StandardCharsets;

/** Extended attribute name indexes (namespaces) and their prefixes, as ext4's xattr.h defines them. */
public final class XattrNames {

    public static final int USER = 1;
    public static final int POSIX_ACL_ACCESS = 2;
    public static final int POSIX_ACL_DEFAULT = 3;
    public static final int TRUSTED = 4;
    public static final int LUSTRE = 5;
    public static final int SECURITY = 6;
    public static final int SYSTEM = 7;
    public static final int RICHACL = 8;

    public static final String ACL_ACCESS = "system.posix_acl_access";
    public static final String ACL_DEFAULT = "system.posix_acl_default";

    private XattrNames() {
    }

    /** The prefix of an index ("user."), or null for an unknown index. */
    public static String prefix(int index) {
        return switch (index) {
            case USER -> "user.";
            case POSIX_ACL_ACCESS -> ACL_ACCESS;
            case POSIX_ACL_DEFAULT -> ACL_DEFAULT;
            case TRUSTED -> "trusted.";
            case LUSTRE -> "lustre.";
            case SECURITY -> "security.";
            case SYSTEM -> "system.";
            case RICHACL -> "system.richacl";
            default -> null;
        };
    }

    /** The full attribute name; unknown indexes appear as "unknown<N>." so nothing is hidden. */
    public static String fullName(int index, byte[] suffix) {
        String p = prefix(index);
        return (p == null ? "unknown" + index + "." : p) + new String(suffix, StandardCharsets.UTF_8);
    }

    /** Splits a full name into (index, suffix bytes), or null when no namespace matches. */
    public static Object[] split(String fullName) {
        int[] order = {POSIX_ACL_ACCESS, POSIX_ACL_DEFAULT, RICHACL, USER, TRUSTED, SECURITY, SYSTEM};
        for (int idx : order) {
            String p = prefix(idx);
            if (fullName.startsWith(p) && (idx == USER || idx == TRUSTED || idx == SECURITY || idx == SYSTEM
                    || fullName.length() == p.length())) {
                return new Object[] {idx, fullName.substring(p.length()).getBytes(StandardCharsets.UTF_8)};
            }
        }
        return null;
    }
}
