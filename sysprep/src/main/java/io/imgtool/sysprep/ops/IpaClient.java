package io.imgtool.sysprep.ops;

import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.OsFamily;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Remove the IPA files. */
public final class IpaClient extends BaseOperation {

    static final List<String> PATHS = List.of("/etc/ipa/ca.crt", "/etc/ipa/default.conf",
            "/var/lib/ipa-client/sysrestore/*", "/var/lib/ipa-client/pki/*");
    static final List<String> CERTS = List.of("/etc/pki/ca-trust/source/anchors/ipa-ca.crt",
            "/usr/local/share/ca-certificates/ipa-ca.crt", "/etc/pki/ca-trust/source/ipa.p11-kit");

    public IpaClient() {
        super("ipa-client", true, "Remove the IPA files",
                "Removes the files of an IPA (Identity, Policy, Audit) enrolment, which unenrolls the "
                        + "clone without talking to the IPA server, and the IPA CA certificate from the trust "
                        + "store sources (a one-shot first-boot unit, imgtool-update-ca-trust.service, rebuilds the store).");
    }

    @Override
    public List<String> paths(OsFamily family) {
        List<String> all = new ArrayList<>(PATHS);
        all.addAll(CERTS);
        all.addAll(SystemdUnits.paths(CaTrust.UNIT));
        return all;
    }

    @Override
    public void perform(GuestContext guest) throws IOException {
        GuestFiles files = guest.files();
        GlobRemoval.remove(files, GlobRemoval.Mode.FILE, PATHS);
        boolean any = false;
        for (String c : CERTS) {
            any |= files.removeFile(c);
        }
        if (any) {
            CaTrust.rebuildAtFirstBoot(guest, "ipa-client");
        }
    }
}
