package io.imgtool.sysprep.ops;

import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.OsFamily;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Remove the SSH host keys in the guest. */
public final class SshHostkeys extends BaseOperation {

    static final String GLOB = "/etc/ssh/*_host_*";
    /** The first-boot unit that makes new keys where nothing else would. */
    public static final String UNIT = "imgtool-ssh-keygen.service";

    static final String UNIT_TEXT = """
            # Installed by imgtool seal (ssh-hostkeys): the image was sealed without SSH host keys and
            # nothing else in it makes new ones. Runs once, before the SSH server, then disables itself.
            [Unit]
            Description=Generate SSH host keys (imgtool first boot)
            Before=ssh.service sshd.service
            ConditionPathExists=/usr/bin/ssh-keygen

            [Service]
            Type=oneshot
            ExecStart=/usr/bin/ssh-keygen -A
            ExecStartPost=/bin/sh -c 'systemctl disable imgtool-ssh-keygen.service'

            [Install]
            WantedBy=multi-user.target
            """;

    public SshHostkeys() {
        super("ssh-hostkeys", true, "Remove the SSH host keys in the guest",
                "Removes the SSH host keys (/etc/ssh/*_host_*), which every clone would otherwise share. "
                        + "The Red Hat, SUSE and Arch families and Alpine make missing keys when sshd starts, "
                        + "and cloud-init makes them on a new instance. A Debian or Ubuntu guest with an SSH "
                        + "server and systemd but without an active cloud-init would come up without keys and "
                        + "refuse SSH: there imgtool installs and enables (as systemctl enable does) a "
                        + "one-shot unit, " + UNIT + ", that runs 'ssh-keygen -A' before the SSH server at "
                        + "first boot and then disables itself.");
    }

    @Override
    public List<String> paths(OsFamily family) {
        List<String> p = new ArrayList<>(List.of(GLOB));
        if (family == OsFamily.DEBIAN) {
            p.addAll(SystemdUnits.paths(UNIT));
        }
        return p;
    }

    @Override
    public void perform(GuestContext guest) throws IOException {
        GuestFiles files = guest.files();
        GlobRemoval.remove(files, GlobRemoval.Mode.FILE, List.of(GLOB));
        if (needsKeygenUnit(guest)) {
            SystemdUnits.installAndEnable(files, UNIT, UNIT_TEXT);
        }
    }

    /** Debian/Ubuntu, an SSH server, systemd, and no active cloud-init. */
    static boolean needsKeygenUnit(GuestContext guest) throws IOException {
        GuestFiles files = guest.files();
        return guest.family() == OsFamily.DEBIAN
                && files.typeFollow("/usr/sbin/sshd") == GuestFiles.Type.FILE
                && guest.hasSystemd()
                && !guest.hasActiveCloudInit();
    }
}
