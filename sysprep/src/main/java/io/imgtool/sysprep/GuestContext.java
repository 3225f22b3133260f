package io.imgtool.sysprep;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * What an operation sees of the guest: its files (by guest path), its OS, the options and the
 * random source. Warnings (things an operation could not do offline) are collected for the report.
 */
public final class GuestContext {

    private final GuestFiles files;
    private final OsInfo os;
    private final SysprepOptions options;
    private final ChangeRecorder recorder;
    private final List<String> warnings = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    public GuestContext(GuestFiles files, OsInfo os, SysprepOptions options, ChangeRecorder recorder) {
        this.files = files;
        this.os = os;
        this.options = options;
        this.recorder = recorder;
    }

    public GuestFiles files() {
        return files;
    }

    public OsInfo os() {
        return os;
    }

    public OsFamily family() {
        return os.family();
    }

    public SysprepOptions options() {
        return options;
    }

    public Random random() {
        return options.random();
    }

    public boolean dryRun() {
        return files.dryRun();
    }

    ChangeRecorder recorder() {
        return recorder;
    }

    /** Notes something the operation could not do (shown in the report). */
    public void warn(String message) {
        warnings.add(message);
    }

    /** Tells the user something they need (a generated password), shown in the report. */
    public void note(String message) {
        notes.add(message);
    }

    public List<String> notes() {
        return Collections.unmodifiableList(notes);
    }

    public List<String> warnings() {
        return Collections.unmodifiableList(warnings);
    }

    /** Whether the guest boots with systemd (its manager binary is present). */
    public boolean hasSystemd() throws IOException {
        return files.typeFollow("/usr/lib/systemd/systemd") == GuestFiles.Type.FILE
                || files.typeFollow("/lib/systemd/systemd") == GuestFiles.Type.FILE;
    }

    /** Whether cloud-init is installed and not disabled by /etc/cloud/cloud-init.disabled. */
    public boolean hasActiveCloudInit() throws IOException {
        boolean installed = files.typeFollow("/usr/bin/cloud-init") == GuestFiles.Type.FILE;
        return installed && !files.exists("/etc/cloud/cloud-init.disabled");
    }

    /**
     * Detects the OS from /etc/os-release (or /usr/lib/os-release), falling back to the
     * distributions' older release files; {@link OsInfo#unknown()} if there is none.
     */
    public static OsInfo detectOs(GuestFiles files) throws IOException {
        for (String f : List.of("/etc/os-release", "/usr/lib/os-release")) {
            if (files.typeFollow(f) == GuestFiles.Type.FILE) {
                return OsInfo.parse(new String(files.read(f), java.nio.charset.StandardCharsets.UTF_8), f);
            }
        }
        String[][] legacy = {
            {"/etc/debian_version", "debian"}, {"/etc/redhat-release", "rhel"}, {"/etc/SuSE-release", "suse"},
            {"/etc/arch-release", "arch"}, {"/etc/alpine-release", "alpine"}};
        for (String[] l : legacy) {
            if (files.typeFollow(l[0]) == GuestFiles.Type.FILE) {
                return OsInfo.parse("ID=" + l[1] + "\n", l[0]);
            }
        }
        return OsInfo.unknown();
    }
}
