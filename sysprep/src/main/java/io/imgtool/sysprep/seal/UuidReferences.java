package io.imgtool.sysprep.seal;

import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.Operation;
import io.imgtool.sysprep.OsFamily;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code new-uuids} step's file part: after filesystems and partitions got new UUIDs, every
 * guest file that names the old ones — /etc/fstab, the boot loader's configuration (GRUB's
 * {@code search --fs-uuid} and {@code root=UUID=}, /etc/default/grub, BLS entries, extlinux,
 * /etc/kernel/cmdline), crypttab and the initramfs resume setting — gets the new ones, so the image
 * still boots. UUIDs are replaced in lower and upper case, as whole tokens.
 */
final class UuidReferences implements Operation {

    static final String NAME = "new-uuids";

    /** Guest files (globs) that may name filesystems or partitions by UUID. */
    static final List<String> FILES = List.of("/etc/fstab", "/etc/crypttab", "/etc/default/grub",
            "/etc/default/grub.d/*.cfg", "/boot/grub/grub.cfg", "/boot/grub2/grub.cfg", "/boot/grub/grubenv",
            "/boot/grub2/grubenv", "/etc/kernel/cmdline", "/boot/loader/entries/*.conf", "/boot/extlinux/extlinux.conf",
            "/extlinux.conf", "/boot/syslinux/syslinux.cfg", "/etc/initramfs-tools/conf.d/resume", "/boot/cmdline.txt");

    private final Map<String, String> replacements;

    /** @param replacements old UUID -> new UUID, any case */
    UuidReferences(Map<String, String> replacements) {
        this.replacements = replacements;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String heading() {
        return "Update the guest's references to renewed filesystem and partition UUIDs";
    }

    @Override
    public String description() {
        return "Rewrites /etc/fstab and the boot loader configuration so that they name the new UUIDs.";
    }

    @Override
    public boolean enabledByDefault() {
        return false;
    }

    @Override
    public List<String> paths(OsFamily family) {
        return FILES;
    }

    @Override
    public void perform(GuestContext guest) throws IOException {
        GuestFiles f = guest.files();
        for (String pattern : FILES) {
            List<String> paths;
            try {
                paths = f.glob(pattern);
            } catch (UnsupportedFeatureException e) {
                guest.warn("new-uuids: " + pattern + " not updated: " + e.getMessage());
                continue;
            }
            for (String p : paths) {
                if (f.typeFollow(p) != GuestFiles.Type.FILE || f.size(p) > GuestFiles.MAX_READ) {
                    continue;
                }
                String text = f.readText(p);
                String out = replace(text, replacements);
                if (!out.equals(text)) {
                    f.rewriteText(p, out);
                }
            }
        }
    }

    /** Replaces every old id (as a whole token, lower or upper case) by its new one in that case. */
    static String replace(String text, Map<String, String> replacements) {
        String out = text;
        for (Map.Entry<String, String> e : replacements.entrySet()) {
            String oldL = e.getKey().toLowerCase(Locale.ROOT);
            String newL = e.getValue().toLowerCase(Locale.ROOT);
            out = replaceToken(out, oldL, newL);
            out = replaceToken(out, oldL.toUpperCase(Locale.ROOT), newL.toUpperCase(Locale.ROOT));
        }
        return out;
    }

    private static String replaceToken(String s, String old, String neu) {
        StringBuilder sb = new StringBuilder();
        int from = 0;
        while (true) {
            int i = s.indexOf(old, from);
            if (i < 0) {
                sb.append(s, from, s.length());
                return sb.toString();
            }
            boolean startOk = i == 0 || !isIdChar(s.charAt(i - 1));
            int end = i + old.length();
            boolean endOk = end == s.length() || !isIdChar(s.charAt(end));
            sb.append(s, from, i).append(startOk && endOk ? neu : old);
            from = end;
        }
    }

    private static boolean isIdChar(char c) {
        return Character.digit(c, 16) >= 0 || c == '-';
    }
}
