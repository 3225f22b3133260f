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
                        + "ca-bundle.trust.crt are kept). virt-sysprep then runs update-ca-trust in the guest; "
                        + "imgtool cannot run guest programs offline and warns instead: run 'update-ca-trust' "
                        + "at first boot (--firstboot) if the trust store must be rebuilt.");
    }

    @Override
    public List<String> paths(OsFamily family) {
        return GLOBS;
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
            guest.warn("ca-certificates: certificates were removed; the guest's CA store was not rebuilt "
                    + "(run update-ca-trust or update-ca-certificates in the guest)");
        }
    }
}
