package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove the data and log files of puppet. */
public final class PuppetDataLog extends GlobRemoval {

    public PuppetDataLog() {
        super("puppet-data-log", true, "Remove the data and log files of puppet",
                "Removes puppet's logs and the files (not directories) of its state one and two levels below /var/lib/puppet.",
                Mode.FILE, ALL, List.of("/var/log/puppet/*", "/var/lib/puppet/*/*", "/var/lib/puppet/*/*/*"));
    }
}
