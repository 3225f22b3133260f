package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove email from the local mail spool directory. */
public final class MailSpool extends GlobRemoval {

    public MailSpool() {
        super("mail-spool", true, "Remove email from the local mail spool directory",
                "Removes everything in the local mail spools /var/spool/mail and /var/mail.",
                Mode.TREE, ALL, List.of("/var/spool/mail/*", "/var/mail/*"));
    }
}
