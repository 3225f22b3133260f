package io.imgtool.sysprep;

import java.util.List;
import java.util.Locale;

/**
 * The distribution families sealing distinguishes. Each family shares the paths that matter for
 * sealing (package manager, network configuration, where the SSH keys are regenerated).
 */
public enum OsFamily {
    /** Debian, Ubuntu and derivatives (apt, dpkg). */
    DEBIAN("debian", "ubuntu", "linuxmint", "pop", "kali", "raspbian", "devuan"),
    /** Red Hat Enterprise Linux, CentOS, Fedora, Rocky, Alma, Oracle Linux (rpm, yum/dnf). */
    RHEL("rhel", "centos", "fedora", "rocky", "almalinux", "ol", "scientific", "amzn", "redhat"),
    /** SUSE Linux Enterprise and openSUSE (rpm, zypper). */
    SUSE("suse", "sles", "sled", "opensuse", "opensuse-leap", "opensuse-tumbleweed", "opensuse-microos"),
    /** Arch Linux and derivatives (pacman). */
    ARCH("arch", "archarm", "manjaro", "endeavouros"),
    /** Alpine Linux (apk, OpenRC). */
    ALPINE("alpine"),
    /** A Linux guest whose os-release names none of the above. */
    OTHER();

    private final List<String> ids;

    OsFamily(String... ids) {
        this.ids = List.of(ids);
    }

    /** The os-release {@code ID}s that belong to this family directly. */
    public List<String> ids() {
        return ids;
    }

    /** Whether the guest's packages are rpm (RHEL and SUSE families). */
    public boolean usesRpm() {
        return this == RHEL || this == SUSE;
    }

    /** The family that os-release {@code ID} (or one of the {@code ID_LIKE} words) names, or OTHER. */
    public static OsFamily ofId(String id) {
        if (id != null) {
            String lower = id.toLowerCase(Locale.ROOT);
            for (OsFamily f : values()) {
                if (f.ids.contains(lower)) {
                    return f;
                }
            }
        }
        return OTHER;
    }

    /** Lower-case name used in documentation and JSON. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
