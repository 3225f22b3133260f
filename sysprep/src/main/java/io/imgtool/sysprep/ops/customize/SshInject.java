package io.imgtool.sysprep.ops.customize;

import io.imgtool.core.ImageException;
import io.imgtool.sysprep.Customization;
import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.ops.Accounts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code --ssh-inject USER:KEYFILE}: appends the public keys of KEYFILE (one per line) that are not
 * there yet to {@code ~USER/.ssh/authorized_keys}, the home taken from the guest's /etc/passwd;
 * {@code .ssh} is made 0700 and the file 0600, both owned by the user's uid and gid.
 */
public record SshInject(String user, List<String> keys) implements Customization {

    public SshInject {
        if (user == null || !user.matches("[A-Za-z0-9_.][A-Za-z0-9_.-]*\\$?")) {
            throw new IllegalArgumentException("--ssh-inject: not a user name: '" + user + "'");
        }
        keys = List.copyOf(keys);
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("--ssh-inject: no key for " + user);
        }
        for (String k : keys) {
            if (k.contains("\n") || k.isBlank()) {
                throw new IllegalArgumentException("--ssh-inject: a key must be one non-empty line");
            }
        }
    }

    /** Parses USER:KEYFILE, reading the keys from the host file now. */
    public static SshInject parse(String value) throws IOException {
        String[] a = Args.split("--ssh-inject", value, "USER:KEYFILE", false);
        Path file = Path.of(a[1]);
        if (Files.size(file) > 1024 * 1024) {
            throw new IllegalArgumentException("--ssh-inject: " + file + " is larger than 1 MiB: not a key file");
        }
        List<String> keys = new ArrayList<>();
        for (String line : Files.readString(file, StandardCharsets.UTF_8).split("\n")) {
            String k = line.strip();
            if (!k.isEmpty() && !k.startsWith("#")) {
                keys.add(k);
            }
        }
        return new SshInject(a[0], keys);
    }

    @Override
    public String describe() {
        return "--ssh-inject " + user + ":(" + keys.size() + " key" + (keys.size() == 1 ? "" : "s") + ")";
    }

    @Override
    public void apply(GuestContext guest) throws IOException {
        GuestFiles files = guest.files();
        Accounts.User u = Accounts.user(files, user).orElseThrow(() -> ImageException.invalidArgument(
                "--ssh-inject: the guest has no user '" + user + "' in /etc/passwd"));
        if (!u.home().startsWith("/")) {
            throw ImageException.invalidArgument("--ssh-inject: the home of '" + user + "' is not absolute: " + u.home());
        }
        if (files.typeFollow(u.home()) != GuestFiles.Type.DIRECTORY) {
            files.mkdirs(u.home(), new GuestFiles.Meta(0700, u.uid(), u.gid()));
        }
        String ssh = u.home().replaceAll("/+$", "") + "/.ssh";
        GuestFiles.Meta dirMeta = new GuestFiles.Meta(0700, u.uid(), u.gid());
        files.mkdirs(ssh, dirMeta);
        files.setMode(ssh, 0700);
        files.setOwner(ssh, u.uid(), u.gid());
        String ak = ssh + "/authorized_keys";
        String current = files.typeFollow(ak) == GuestFiles.Type.FILE ? files.readText(ak) : "";
        Set<String> present = new LinkedHashSet<>();
        for (String line : current.split("\n")) {
            present.add(line.strip());
        }
        StringBuilder text = new StringBuilder(current);
        if (!current.isEmpty() && !current.endsWith("\n")) {
            text.append('\n');
        }
        for (String k : keys) {
            if (present.add(k)) {
                text.append(k).append('\n');
            }
        }
        files.write(ak, text.toString().getBytes(StandardCharsets.ISO_8859_1), new GuestFiles.Meta(0600, u.uid(), u.gid()));
        files.setMode(ak, 0600);
        files.setOwner(ak, u.uid(), u.gid());
    }
}
