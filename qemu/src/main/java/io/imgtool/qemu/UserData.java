package io.imgtool.qemu;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Composes the user-data of a NoCloud seed from what the caller gives: their own user-data (any
 * format cloud-init reads), a shell script to run once, and a power-off request so the VM stops
 * when cloud-init is done. One part is passed through as it is; several become a MIME multipart
 * message, the format cloud-init documents for combining parts. The boundary is derived from the
 * content, so the same input gives the same bytes.
 *
 * <p>The script runs through cloud-init's {@code scripts_user} module (a {@code text/x-shellscript}
 * part: once per instance, in the final stage); {@code power_state} runs after it, as the last
 * module of that stage, and powers the guest off whether the script succeeded or not. A failing
 * script shows in {@code /var/lib/cloud/data/result.json} (see {@link CloudInitResult}).
 */
public final class UserData {

    /** Largest user-data accepted (after gunzip). cloud-init itself has no limit; clouds have 16 KiB-64 KiB. */
    public static final int MAX_SIZE = 16 << 20;

    /** How long power_state waits for cloud-init to finish before it powers off anyway, in seconds. */
    static final int POWER_OFF_TIMEOUT = 30;

    private UserData() {
    }

    /** The power-off request alone. */
    public static byte[] powerOffOnly() {
        return powerOffConfig().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Composes the user-data.
     *
     * @param userData the caller's user-data, or null; gzip-compressed data is expanded first
     * @param script a script to run once in the guest, or null; without "#!" it runs with /bin/sh
     * @param powerOff whether to append the power_state request
     * @return the bytes to store as the seed's user-data (empty when there is nothing to say)
     */
    public static byte[] compose(byte[] userData, byte[] script, boolean powerOff) {
        List<Part> parts = new ArrayList<>();
        if (userData != null) {
            byte[] u = gunzipIfNeeded(userData);
            parts.add(isMime(u) ? new Part(null, "user-data", u) : new Part("text/plain", "user-data", u));
        }
        if (script != null) {
            parts.add(new Part("text/x-shellscript", "imgtool-script", scriptWrapper(script)));
        }
        if (powerOff) {
            parts.add(new Part("text/cloud-config", "imgtool-power-off", powerOffConfig().getBytes(StandardCharsets.UTF_8)));
        }
        long total = parts.stream().mapToLong(p -> p.content().length).sum();
        if (total > MAX_SIZE) {
            throw new IllegalArgumentException("user-data of " + total + " bytes exceeds " + MAX_SIZE);
        }
        if (parts.isEmpty()) {
            return new byte[0];
        }
        if (parts.size() == 1) {
            return parts.get(0).content();          // cloud-init recognises a single part by its first line
        }
        return multipart(parts);
    }

    /** The line a script wrapper prints on the console when the script has ended. */
    public static final String STATUS_LINE = "imgtool-script: exited with status ";
    /** Where the wrapper puts the script in the guest while it runs (not /run or /tmp: often noexec). */
    static final String GUEST_SCRIPT = "/var/lib/imgtool/script";

    /**
     * A /bin/sh script that writes {@code script} to the guest (base64 in a here-document, so any
     * content is safe), runs it, prints {@link #STATUS_LINE} and the status on the console, and
     * exits with that status. A script without "#!" runs with /bin/sh. Shared by the cloud-init path
     * and the firstboot unit.
     */
    public static byte[] scriptWrapper(byte[] script) {
        if (script.length > MAX_SIZE) {
            throw new IllegalArgumentException("script of " + script.length + " bytes exceeds " + MAX_SIZE);
        }
        String b64 = Base64.getMimeEncoder(76, new byte[] {'\n'}).encodeToString(script);
        String run = startsWith(script, "#!") ? "\"$f\"" : "/bin/sh \"$f\"";
        String text = "#!/bin/sh\n"
                + "# imgtool: runs the user's script once and reports its exit status on the console\n"
                + "f=" + GUEST_SCRIPT + "\n"
                + "mkdir -p \"${f%/*}\"\n"
                + "base64 -d > \"$f\" <<'IMGTOOL_SCRIPT_BASE64'\n"
                + b64 + (b64.isEmpty() ? "" : "\n")
                + "IMGTOOL_SCRIPT_BASE64\n"
                + "chmod 0700 \"$f\"\n"
                + run + "\n"
                + "status=$?\n"
                + "rm -f \"$f\"\n"
                + "{ echo \"" + STATUS_LINE + "$status\" > /dev/console; } 2>/dev/null || echo \"" + STATUS_LINE
                + "$status\"\n"
                + "exit $status\n";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The cloud-config that powers the guest off once cloud-init has finished. */
    static String powerOffConfig() {
        return "#cloud-config\n"
                + "# added by imgtool: stop the VM when cloud-init is done\n"
                + "power_state:\n"
                + "  mode: poweroff\n"
                + "  message: imgtool provisioning finished, powering off\n"
                + "  timeout: " + POWER_OFF_TIMEOUT + "\n"
                + "  condition: true\n";
    }

    private record Part(String contentType, String fileName, byte[] content) {
    }

    private static byte[] multipart(List<Part> parts) {
        String boundary = boundary(parts);
        StringBuilder sb = new StringBuilder();
        sb.append("Content-Type: multipart/mixed; boundary=\"").append(boundary).append("\"\n");
        sb.append("MIME-Version: 1.0\n\n");
        sb.append("This is a multi-part message in MIME format, composed by imgtool.\n");
        for (Part p : parts) {
            sb.append("\n--").append(boundary).append('\n');
            if (p.contentType() == null) {
                // A MIME document of the caller's: it brings its own headers, and cloud-init walks into it.
                sb.append(new String(p.content(), StandardCharsets.ISO_8859_1).stripTrailing()).append('\n');
                continue;
            }
            sb.append("Content-Type: ").append(p.contentType()).append("; charset=\"utf-8\"\n");
            sb.append("MIME-Version: 1.0\n");
            sb.append("Content-Transfer-Encoding: base64\n");
            sb.append("Content-Disposition: attachment; filename=\"").append(p.fileName()).append("\"\n\n");
            String b64 = Base64.getMimeEncoder(76, new byte[] {'\n'}).encodeToString(p.content());
            sb.append(b64).append('\n');
        }
        sb.append("\n--").append(boundary).append("--\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A boundary from the content's hash; it cannot occur in base64 text, and is checked against raw parts. */
    private static String boundary(List<Part> parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Part p : parts) {
                md.update(p.content());
                md.update((byte) 0);
            }
            String b = "==imgtool-" + HexFormat.of().formatHex(md.digest(), 0, 12) + "==";
            for (Part p : parts) {
                if (new String(p.content(), StandardCharsets.ISO_8859_1).contains(b)) {
                    throw new IllegalArgumentException("user-data contains the MIME boundary " + b);
                }
            }
            return b;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isMime(byte[] b) {
        String head = new String(b, 0, Math.min(b.length, 64), StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        return head.startsWith("content-type:") || head.startsWith("mime-version:");
    }

    private static boolean startsWith(byte[] b, String prefix) {
        byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
        if (b.length < p.length) {
            return false;
        }
        for (int i = 0; i < p.length; i++) {
            if (b[i] != p[i]) {
                return false;
            }
        }
        return true;
    }

    /** cloud-init accepts gzip-compressed user-data; inside a multipart message it must be plain. */
    static byte[] gunzipIfNeeded(byte[] b) {
        if (b.length < 2 || (b[0] & 0xff) != 0x1f || (b[1] & 0xff) != 0x8b) {
            return b;
        }
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(b))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                if (out.size() > MAX_SIZE) {
                    throw new IllegalArgumentException("gzip-compressed user-data expands beyond " + MAX_SIZE + " bytes");
                }
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalArgumentException("user-data starts like gzip but does not decompress: " + e.getMessage(), e);
        }
    }
}
