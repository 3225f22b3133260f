package io.imgtool.sysprep.ops;

import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.OsFamily;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Drops lines with given prefixes from /etc/sysconfig/network-scripts/ifcfg-* (Red Hat family). */
abstract class IfcfgEdit extends BaseOperation {

    static final String GLOB = "/etc/sysconfig/network-scripts/ifcfg-*";

    private final List<String> prefixes;

    IfcfgEdit(String name, String heading, String description, List<String> prefixes) {
        super(name, true, heading, description);
        this.prefixes = List.copyOf(prefixes);
    }

    @Override
    public List<String> paths(OsFamily family) {
        return family == OsFamily.RHEL ? List.of(GLOB) : List.of();
    }

    @Override
    public void perform(GuestContext guest) throws IOException {
        if (guest.family() != OsFamily.RHEL) {
            return;
        }
        GuestFiles files = guest.files();
        for (String f : files.glob(GLOB)) {
            if (!files.isRegularFile(f)) {
                continue;
            }
            String text = files.readText(f);
            List<String> keep = new ArrayList<>();
            boolean dropped = false;
            for (String line : text.split("\n", -1)) {
                if (prefixes.stream().anyMatch(line::startsWith)) {
                    dropped = true;
                } else {
                    keep.add(line);
                }
            }
            if (dropped) {
                files.rewriteText(f, String.join("\n", keep));
            }
        }
    }
}
