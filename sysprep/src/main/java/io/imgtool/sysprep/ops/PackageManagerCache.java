package io.imgtool.sysprep.ops;

import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.OsFamily;
import java.io.IOException;
import java.util.List;

/** Remove package manager cache. */
public final class PackageManagerCache extends BaseOperation {

    public PackageManagerCache() {
        super("package-manager-cache", true, "Remove package manager cache",
                "Removes the downloaded packages and metadata caches of the guest's package manager: "
                        + "every regular file below the cache directory, the directories kept. On the Red Hat "
                        + "family the dnf cache from RHEL 8 and Fedora 22 on, the yum cache before.");
    }

    @Override
    public List<String> paths(OsFamily family) {
        return switch (family) {
            case DEBIAN -> List.of("/var/cache/apt/archives/**");
            case RHEL -> List.of("/var/cache/dnf/**", "/var/cache/yum/**");
            case SUSE -> List.of("/var/cache/zypp*/**");
            case ARCH -> List.of("/var/cache/pacman/pkg/**");
            case ALPINE -> List.of("/var/cache/apk/**");
            default -> List.of();
        };
    }

    /** The Red Hat family used yum up to RHEL 7 and Fedora 21, dnf since (as libguestfs inspection says). */
    static boolean usesDnf(io.imgtool.sysprep.OsInfo os) {
        int major = os.majorVersion();
        return os.id().equals("fedora") ? major < 0 || major >= 22 : major < 0 || major >= 8;
    }

    @Override
    public void perform(GuestContext guest) throws IOException {
        GuestFiles files = guest.files();
        List<String> dirs = paths(guest.family());
        if (guest.family() == OsFamily.RHEL) {
            dirs = List.of(usesDnf(guest.os()) ? "/var/cache/dnf/**" : "/var/cache/yum/**");
        }
        for (String p : dirs) {
            String dirGlob = p.substring(0, p.length() - "/**".length());
            for (String dir : files.glob(dirGlob)) {
                if (files.isDirectory(dir)) {
                    files.removeFilesUnder(dir, path -> false);
                }
            }
        }
    }
}
