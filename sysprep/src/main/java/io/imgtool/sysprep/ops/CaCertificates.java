package io.imgtool.sysprep.ops;

import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.OsFamily;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Remove CA certificates in the guest. */
public final class CaCertificates extends BaseOperation {

    static final List<String> GLOBS = List.of("/etc/pki/CA/certs/*.crt", "/etc/pki/CA/crl/*.crt",
            "/etc/pki/CA/newcerts/*.crt", "/etc/pki/CA/private/*.key", "/etc/pki/tls/private/*.key",
            "/etc/pki/tls/certs/*.crt");
    static final Set<String> KEEP = Set.of("/etc/pki/tls/certs/ca-bundle.crt", "/etc/pki/tls/certs/ca-bundle.trust.crt");

    public CaCertificates() {
        super("ca-certificates", false, "Remove CA certificates in the guest",
                "Removes local certificates and keys in /etc/pki (the system bundles ca-bundle.crt and "
                        + "ca-bundle.trust.crt are kept). The trust store is rebuilt at first boot by a "
                        + "one-shot unit, imgtool-update-ca-trust.service (update-ca-trust or "
                        + "update-ca-certificates), as virt-sysprep does with a firstboot script.");
    }

    @Override
    public List<String> paths(OsFamily family) {
        List<String> all = new java.util.ArrayList<>(GLOBS);
        all.addAll(SystemdUnits.paths(CaTrust.UNIT));
        return all;
    }

    @Override
    public void perform(GuestContext guest) throws IOException {
        GuestFiles files = guest.files();
        Set<String> matches = new TreeSet<>();
        for (String g : GLOBS) {
            matches.addAll(files.glob(g));
        }
        matches.removeAll(KEEP);
        boolean any = false;
        for (String m : matches) {
            any |= files.removeFile(m);
        }
        if (any) {
            CaTrust.rebuildAtFirstBoot(guest, "ca-certificates");
        }
    }
}
