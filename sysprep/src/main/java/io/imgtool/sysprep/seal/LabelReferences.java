package io.imgtool.sysprep.seal;

import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.Operation;
import io.imgtool.sysprep.OsFamily;
import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code label-root} step's file part: when the root's GPT name or filesystem label changes,
 * the guest's references to the old one ({@code PARTLABEL=old} or {@code LABEL=old}, quoted or not,
 * and {@code /dev/disk/by-partlabel/old}, {@code /dev/disk/by-label/old} with udev's escapes) in
 * /etc/fstab and the boot loader's configuration follow, so the image still boots.
 */
final class LabelReferences implements Operation {

    static final String NAME = "label-root";

    private final String key;
    private final String old;
    private final String neu;

    /**
     * @param partitionName true for a GPT partition name (PARTLABEL), false for a filesystem label (LABEL)
     */
    LabelReferences(boolean partitionName, String old, String neu) {
        this.key = partitionName ? "PARTLABEL" : "LABEL";
        this.old = old;
        this.neu = neu;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String heading() {
        return "Update the guest's references to the root's renamed label";
    }

    @Override
    public String description() {
        return "Rewrites " + key + "= references in /etc/fstab and the boot loader configuration.";
    }

    @Override
    public boolean enabledByDefault() {
        return false;
    }

    @Override
    public List<String> paths(OsFamily family) {
        return UuidReferences.FILES;
    }

    @Override
    public void perform(GuestContext guest) throws IOException {
        GuestFiles f = guest.files();
        for (String pattern : UuidReferences.FILES) {
            List<String> paths;
            try {
                paths = f.glob(pattern);
            } catch (UnsupportedFeatureException e) {
                guest.warn("label-root: " + pattern + " not updated: " + e.getMessage());
                continue;
            }
            for (String p : paths) {
                if (f.typeFollow(p) != GuestFiles.Type.FILE || f.size(p) > GuestFiles.MAX_READ) {
                    continue;
                }
                String text = f.readText(p);
                String out = replace(text, key, old, neu);
                if (!out.equals(text)) {
                    f.rewriteText(p, out);
                }
            }
        }
    }

    /** Replaces {@code KEY=old} (bare, "quoted" or 'quoted') and the by-label link of {@code old}. */
    static String replace(String text, String key, String old, String neu) {
        Pattern p = Pattern.compile("(?<![A-Za-z_])" + key + "=([\"']?)" + Pattern.quote(old) + "\\1(?=[\\s,;]|$)");
        Matcher m = p.matcher(text);
        String out = m.replaceAll(mr -> Matcher.quoteReplacement(key + "=" + mr.group(1) + neu + mr.group(1)));
        String dir = key.equals("LABEL") ? "/dev/disk/by-label/" : "/dev/disk/by-partlabel/";
        Pattern link = Pattern.compile(Pattern.quote(dir + udevEscape(old)) + "(?=[\\s,;]|$)");
        return link.matcher(out).replaceAll(Matcher.quoteReplacement(dir + udevEscape(neu)));
    }

    /** How udev spells a label in /dev/disk/by-label: '/', blanks, '\' and non-printables as \xHH. */
    static String udevEscape(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '/' || c == '\\' || c <= ' ' || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
