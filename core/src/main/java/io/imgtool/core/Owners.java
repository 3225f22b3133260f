package io.imgtool.core;

/** Numeric file owners (uid, gid) as {@code java.nio.file} shows them. */
public final class Owners {

    private Owners() {
    }

    /**
     * The id a user or group principal's name stands for when the name is a decimal number that
     * fits 32 bits (ASCII digits only): a host id without a passwd entry, or an owner set by
     * numeric name on jimfs (whose own uid attribute is a counter). -1 for any other name.
     */
    public static long numericId(String name) {
        if (name.isEmpty() || name.length() > 10) {
            return -1;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
        }
        long v = Long.parseLong(name);
        return v <= 0xFFFFFFFFL ? v : -1;
    }
}
