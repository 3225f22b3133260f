package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove the Kerberos host keytab file in the guest. */
public final class KerberosHostkeytab extends GlobRemoval {

    public KerberosHostkeytab() {
        super("kerberos-hostkeytab", true, "Remove the Kerberos host keytab file in the guest",
                "Removes /etc/krb5.keytab, the host's Kerberos keys: a clone must be enrolled on its own.",
                Mode.FILE, ALL, List.of("/etc/krb5.keytab"));
    }

    /** The name the imgtool issue used. */
    @Override
    public List<String> aliases() {
        return List.of("kerberos-hostkeys");
    }
}
