package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove Dovecot (mail server) data. */
public final class DovecotData extends GlobRemoval {

    public DovecotData() {
        super("dovecot-data", true, "Remove Dovecot (mail server) data",
                "Removes the files (not directories) Dovecot keeps in /var/lib/dovecot.",
                Mode.FILE, ALL, List.of("/var/lib/dovecot/*"));
    }
}
