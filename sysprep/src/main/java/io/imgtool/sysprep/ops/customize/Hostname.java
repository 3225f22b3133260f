package io.imgtool.sysprep.ops.customize;

import io.imgtool.sysprep.Customization;
import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.OsFamily;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --hostname NAME}: sets the guest's host name where its distribution keeps it:
 * {@code /etc/hostname} always; {@code HOSTNAME=} in /etc/sysconfig/network where that line exists
 * (Red Hat family before systemd); /etc/HOSTNAME where it is a regular file (older SUSE). In
 * /etc/hosts the names of the {@code 127.0.1.1} line are replaced (and the line added on Debian and
 * Ubuntu, whose installers write it), and elsewhere the old name, as a whole word, becomes the new.
 */
public record Hostname(String name) implements Customization {

    public Hostname {
        if (name == null || name.length() > 253 || !name.matches("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                + "(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")) {
            throw new IllegalArgumentException("--hostname: not a valid host name: '" + name + "'");
        }
    }

    public static Hostname parse(String value) {
        return new Hostname(value);
    }

    /** The first label. */
    public String shortName() {
        int dot = name.indexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }

    @Override
    public String describe() {
        return "--hostname " + name;
    }

    @Override
    public void apply(GuestContext guest) throws IOException {
        GuestFiles files = guest.files();
        String old = null;
        if (files.typeFollow("/etc/hostname") == GuestFiles.Type.FILE) {
            String t = files.readText("/etc/hostname").strip();
            old = t.isEmpty() ? null : t.split("\\s+")[0];
        }
        files.writeText("/etc/hostname", name + "\n");
        if (files.typeFollow("/etc/sysconfig/network") == GuestFiles.Type.FILE) {
            editLines(files, "/etc/sysconfig/network", line -> line.startsWith("HOSTNAME=") ? "HOSTNAME=" + name : line);
        }
        if (files.isRegularFile("/etc/HOSTNAME")) {
            files.writeText("/etc/HOSTNAME", name + "\n");
        }
        if (files.typeFollow("/etc/hosts") == GuestFiles.Type.FILE) {
            editHosts(files, old, guest.family() == OsFamily.DEBIAN);
        }
    }

    private String names() {
        return name.equals(shortName()) ? name : name + " " + shortName();
    }

    private void editHosts(GuestFiles files, String old, boolean addLoopback) throws IOException {
        String text = files.readText("/etc/hosts");
        List<String> out = new ArrayList<>();
        boolean loopback = false;
        String oldShort = old == null ? null : old.split("\\.")[0];
        String[] lines = text.split("\n", -1);
        for (String line : lines) {
            String body = line;
            String comment = "";
            int hash = line.indexOf('#');
            if (hash >= 0) {
                body = line.substring(0, hash);
                comment = line.substring(hash);
            }
            String[] w = body.strip().split("\\s+");
            if (w.length >= 1 && w[0].equals("127.0.1.1")) {
                loopback = true;
                out.add("127.0.1.1\t" + names() + (comment.isEmpty() ? "" : " " + comment));
                continue;
            }
            if (old != null && w.length >= 2) {
                boolean hit = false;
                StringBuilder sb = new StringBuilder(w[0]);
                for (int i = 1; i < w.length; i++) {
                    String n = w[i];
                    if (n.equals(old)) {
                        n = name;
                        hit = true;
                    } else if (n.equals(oldShort) && !oldShort.equals(old)) {
                        n = shortName();
                        hit = true;
                    }
                    sb.append(i == 1 ? "\t" : " ").append(n);
                }
                if (hit) {
                    out.add(sb + (comment.isEmpty() ? "" : " " + comment));
                    continue;
                }
            }
            out.add(line);
        }
        if (!loopback && addLoopback) {
            int at = out.size();
            while (at > 0 && out.get(at - 1).isEmpty()) {
                at--;
            }
            int insert = 0;
            for (int i = 0; i < at; i++) {
                if (out.get(i).startsWith("127.0.0.1")) {
                    insert = i + 1;
                }
            }
            out.add(insert, "127.0.1.1\t" + names());
        }
        files.rewriteText("/etc/hosts", String.join("\n", out));
    }

    private static void editLines(GuestFiles files, String path, java.util.function.UnaryOperator<String> f)
            throws IOException {
        String text = files.readText(path);
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            out.add(f.apply(line));
        }
        files.rewriteText(path, String.join("\n", out));
    }
}
