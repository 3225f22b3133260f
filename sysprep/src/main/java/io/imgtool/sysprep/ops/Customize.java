package io.imgtool.sysprep.ops;

import io.imgtool.sysprep.Customization;
import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.OsFamily;
import java.io.IOException;
import java.util.List;

/** Customize the guest. */
public final class Customize extends BaseOperation {

    public Customize() {
        super("customize", true, "Customize the guest",
                "Runs the offline customisation steps given on the command line (--write, --upload, "
                        + "--mkdir, --chmod, --delete, --hostname, --root-password, --ssh-inject, --firstboot, "
                        + "--stamp), in the order given, after the cleaning operations. Without such options it "
                        + "does nothing: unlike virt-sysprep's customize it never writes a machine-id or a "
                        + "random seed on its own.");
    }

    @Override
    public int order() {
        return 500;
    }

    @Override
    public List<String> paths(OsFamily family) {
        return List.of("(the paths the customisation options name)", "/etc/hostname", "/etc/hosts", "/etc/shadow",
                "/etc/image-release", "/etc/os-release", "/usr/local/lib/imgtool/firstboot/*",
                "/etc/systemd/system/imgtool-firstboot-*.service");
    }

    @Override
    public void perform(GuestContext guest) throws IOException {
        for (Customization c : guest.options().customizations()) {
            c.apply(guest);
        }
    }
}
