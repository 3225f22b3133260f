package io.imgtool.sysprep.ops.customize;

import io.imgtool.sysprep.Customization;
import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.Sha512Crypt;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --root-password hash:HASH|random|disabled}: sets the second field of root's line in
 * /etc/shadow, rewriting the file in place so that its owner and mode stay.
 *
 * <ul>
 *   <li>{@code hash:HASH} puts HASH as given (a crypt(3) string, e.g. from {@code openssl passwd -6});</li>
 *   <li>{@code random} makes a 16-character password, stores its SHA-512 crypt hash, and reports
 *       the password as a note of the run (the only place it appears);</li>
 *   <li>{@code disabled} puts {@code *}: no password can log in as root.</li>
 * </ul>
 *
 * The other fields (last change, ageing) are kept.
 */
public record RootPassword(Kind kind, String hash) implements Customization {

    /** How the password is given. */
    public enum Kind { HASH, RANDOM, DISABLED }

    static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    public RootPassword {
        if (kind == Kind.HASH && (hash == null || hash.isEmpty() || hash.contains(":") || hash.contains("\n"))) {
            throw new IllegalArgumentException("--root-password: a hash must be non-empty, without ':' or newline");
        }
    }

    public static RootPassword parse(String value) {
        if ("random".equals(value)) {
            return new RootPassword(Kind.RANDOM, null);
        }
        if ("disabled".equals(value)) {
            return new RootPassword(Kind.DISABLED, null);
        }
        if (value != null && value.startsWith("hash:")) {
            return new RootPassword(Kind.HASH, value.substring(5));
        }
        throw new IllegalArgumentException("--root-password: expected hash:HASH, random or disabled, got '" + value + "'");
    }

    @Override
    public String describe() {
        return "--root-password " + (kind == Kind.HASH ? "hash:..." : kind.name().toLowerCase(java.util.Locale.ROOT));
    }

    @Override
    public void apply(GuestContext guest) throws IOException {
        GuestFiles files = guest.files();
        if (files.typeFollow("/etc/shadow") != GuestFiles.Type.FILE) {
            throw new NoSuchFileException("/etc/shadow", null, "--root-password: the guest has no /etc/shadow");
        }
        String field;
        String password = null;
        switch (kind) {
            case HASH -> field = hash;
            case DISABLED -> field = "*";
            default -> {
                StringBuilder pw = new StringBuilder();
                for (int i = 0; i < 16; i++) {
                    pw.append(ALPHABET.charAt(guest.random().nextInt(ALPHABET.length())));
                }
                password = pw.toString();
                field = Sha512Crypt.hash(password, guest.random());
            }
        }
        String text = files.readText("/etc/shadow");
        List<String> out = new ArrayList<>();
        boolean found = false;
        for (String line : text.split("\n", -1)) {
            if (line.startsWith("root:")) {
                String[] f = line.split(":", -1);
                if (f.length >= 2) {
                    f[1] = field;
                    line = String.join(":", f);
                    found = true;
                }
            }
            out.add(line);
        }
        if (!found) {
            throw new NoSuchFileException("/etc/shadow", null, "--root-password: no root entry in /etc/shadow");
        }
        files.rewriteText("/etc/shadow", String.join("\n", out));
        if (password != null) {
            guest.note("root password: " + password);
        }
    }
}
