package io.imgtool.ext4.ondisk;

import io.imgtool.core.ImageFormatException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * File capabilities ({@code security.capability}, struct vfs_cap_data): a revision and flags word,
 * then permitted/inheritable 32-bit pairs (one pair in revision 1, two in 2 and 3), and in revision 3
 * the root uid of the user namespace.
 */
public record VfsCapability(int revision, boolean effective, long permitted, long inheritable, long rootId) {

    public static final int REVISION_MASK = 0xFF000000;
    public static final int FLAGS_EFFECTIVE = 0x1;

    private static final String[] NAMES = {"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill",
        "setgid", "setuid", "setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin",
        "net_raw", "ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
        "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod", "lease",
        "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
        "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore"};

    public static VfsCapability parse(byte[] v, String where) throws ImageFormatException {
        if (v.length < 4) {
            throw new ImageFormatException(where, "magic_etc", 0, v.length + " bytes", "too short");
        }
        int magic = Le.i32(v, 0);
        int rev = (magic & REVISION_MASK) >>> 24;
        int expected = switch (rev) {
            case 1 -> 12;
            case 2 -> 20;
            case 3 -> 24;
            default -> -1;
        };
        if (expected < 0 || v.length < expected) {
            throw new ImageFormatException(where, "magic_etc", 0, String.format("0x%08x", magic),
                    "unknown capability revision or short value (" + v.length + " bytes)");
        }
        long perm = Le.u32(v, 4);
        long inh = Le.u32(v, 8);
        if (rev >= 2) {
            perm |= Le.u32(v, 12) << 32;
            inh |= Le.u32(v, 16) << 32;
        }
        long root = rev == 3 ? Le.u32(v, 20) : 0;
        return new VfsCapability(rev, (magic & FLAGS_EFFECTIVE) != 0, perm, inh, root);
    }

    public static String capName(int bit) {
        return bit < NAMES.length ? "cap_" + NAMES[bit] : "cap_" + bit;
    }

    /** A text form in the style of getcap: "cap_net_admin,cap_net_raw=ep". */
    public String toText() {
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (int bit = 0; bit < 64; bit++) {
            boolean p = (permitted >>> bit & 1) != 0;
            boolean i = (inheritable >>> bit & 1) != 0;
            if (!p && !i) {
                continue;
            }
            String flags = (effective && p ? "e" : "") + (i ? "i" : "") + (p ? "p" : "");
            groups.computeIfAbsent(flags, k -> new ArrayList<>()).add(capName(bit));
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, List<String>> g : groups.entrySet()) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(String.join(",", g.getValue())).append('=').append(g.getKey());
        }
        if (rootId != 0) {
            sb.append(" [rootid=").append(rootId).append(']');
        }
        return sb.toString();
    }
}
