package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove cloud-init instance state and logs. */
public final class CloudInit extends GlobRemoval {

    public CloudInit() {
        super("cloud-init", true, "Remove cloud-init instance state and logs",
                "Removes what cloud-init keeps about the instances it ran on: /var/lib/cloud/instances, the /var/lib/cloud/instance link, the semaphores in /var/lib/cloud/sem and the cached data in /var/lib/cloud/data, and cloud-init's logs, so that the next boot runs cloud-init afresh (what 'cloud-init clean --logs' does, offline). The configuration in /etc/cloud, a seed in /var/lib/cloud/seed and the scripts in /var/lib/cloud/scripts are kept.",
                Mode.TREE, ALL, List.of(
                        "/var/lib/cloud/instances",
                        "/var/lib/cloud/instance",
                        "/var/lib/cloud/sem/*",
                        "/var/lib/cloud/data/*",
                        "/var/log/cloud-init.log*",
                        "/var/log/cloud-init-output.log*"));
    }
}
