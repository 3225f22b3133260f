package io.imgtool.sysprep.ops;

import java.util.List;

/** Remove the random seed files. */
public final class RandomSeed extends GlobRemoval {

    public RandomSeed() {
        super("random-seed", true, "Remove the random seed files",
                "Removes the entropy seeds saved at shutdown (systemd-random-seed, the Debian urandom "
                        + "script, OpenRC, boot loader). virt-sysprep writes fresh host random bytes into them "
                        + "instead; for a published golden image every clone would share those bytes, so "
                        + "imgtool removes the seed, as systemd's image-building advice says, and each "
                        + "machine saves its own at its first shutdown.",
                Mode.FILE, ALL, List.of("/var/lib/systemd/random-seed", "/var/lib/random-seed",
                        "/var/lib/urandom/random-seed", "/var/lib/misc/random-seed", "/etc/random-seed",
                        "/boot/loader/random-seed"));
    }
}
