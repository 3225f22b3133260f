package io.imgtool.sysprep.ops.customize;

import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.sysprep.Customization;
import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.ops.SystemdUnits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * {@code --firstboot SCRIPT}: installs the script as {@code /usr/local/lib/imgtool/firstboot/NAME}
 * (0755) and a systemd unit {@code imgtool-firstboot-NAME.service}, enabled for multi-user.target,
 * that runs it once at first boot, after the network is up, and then disables itself whether the
 * script succeeded or not (its output goes to the journal and the console). The script needs a
 * {@code #!} line. Guests without systemd are refused.
 */
public record Firstboot(String name, byte[] script) implements Customization {

    public static final String DIR = "/usr/local/lib/imgtool/firstboot";

    public Firstboot {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")) {
            throw new IllegalArgumentException("--firstboot: the script's file name must be letters, digits, '_', '.', '-': '" + name + "'");
        }
        script = script.clone();
    }

    /** Reads the host file SCRIPT now; its file name names the unit. */
    public static Firstboot parse(String value) throws IOException {
        Path p = Path.of(value);
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("--firstboot: not a regular file: " + value);
        }
        if (Files.size(p) > GuestFiles.MAX_READ) {
            throw new IllegalArgumentException("--firstboot: " + value + " is too large");
        }
        return new Firstboot(p.getFileName().toString(), Files.readAllBytes(p));
    }

    @Override
    public byte[] script() {
        return script.clone();
    }

    /** The unit's file name. */
    public String unit() {
        return "imgtool-firstboot-" + name + ".service";
    }

    @Override
    public String describe() {
        return "--firstboot " + name;
    }

    String unitText() {
        return "# Installed by imgtool seal --firstboot: runs " + DIR + "/" + name + " once, then disables itself.\n"
                + "[Unit]\n"
                + "Description=imgtool first-boot script " + name + "\n"
                + "Wants=network-online.target\n"
                + "After=network-online.target\n"
                + "ConditionPathExists=" + DIR + "/" + name + "\n"
                + "\n"
                + "[Service]\n"
                + "Type=oneshot\n"
                + "ExecStart=-" + DIR + "/" + name + "\n"
                + "ExecStartPost=/bin/sh -c 'systemctl disable " + unit() + "'\n"
                + "StandardOutput=journal+console\n"
                + "TimeoutStartSec=0\n"
                + "\n"
                + "[Install]\n"
                + "WantedBy=" + SystemdUnits.TARGET + "\n";
    }

    @Override
    public void apply(GuestContext guest) throws IOException {
        if (!guest.hasSystemd()) {
            throw new UnsupportedFeatureException("guest " + guest.os().prettyName(), "firstboot without systemd",
                    "--firstboot installs a systemd unit; this guest has no /usr/lib/systemd/systemd");
        }
        GuestFiles files = guest.files();
        files.mkdirs(DIR, GuestFiles.Meta.ROOT_DIR);
        String path = DIR + "/" + name;
        files.write(path, script, new GuestFiles.Meta(0755, 0, 0));
        files.setMode(path, 0755);
        SystemdUnits.installAndEnable(files, unit(), unitText());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Firstboot f && f.name.equals(name) && Arrays.equals(f.script, script);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(script);
    }

    @Override
    public String toString() {
        return describe();
    }
}
