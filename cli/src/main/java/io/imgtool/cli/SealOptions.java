package io.imgtool.cli;

import io.imgtool.sysprep.Customization;
import io.imgtool.sysprep.MachineIdMode;
import io.imgtool.sysprep.Selection;
import io.imgtool.sysprep.SysprepOptions;
import io.imgtool.sysprep.ops.customize.Chmod;
import io.imgtool.sysprep.ops.customize.Delete;
import io.imgtool.sysprep.ops.customize.Firstboot;
import io.imgtool.sysprep.ops.customize.Hostname;
import io.imgtool.sysprep.ops.customize.MakeDirectory;
import io.imgtool.sysprep.ops.customize.RootPassword;
import io.imgtool.sysprep.ops.customize.SshInject;
import io.imgtool.sysprep.ops.customize.Stamp;
import io.imgtool.sysprep.ops.customize.Upload;
import io.imgtool.sysprep.ops.customize.WriteFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The sealing options of {@code imgtool seal} (and of any command that seals): which operations
 * run, their parameters, and the customisation steps, which keep their command-line order.
 */
public final class SealOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    private final List<String> operations = new ArrayList<>();
    private final List<String> enable = new ArrayList<>();
    private final List<String> disable = new ArrayList<>();
    private final List<Customization> steps = new ArrayList<>();
    private final List<String> removeUsers = new ArrayList<>();
    private final List<String> keepUsers = new ArrayList<>();

    @Option(names = "--machine-id", paramLabel = "empty|uninitialized",
            description = "What /etc/machine-id holds after sealing: empty (default) or 'uninitialized' (systemd's first-boot marker).")
    MachineIdMode machineId = MachineIdMode.EMPTY;

    @Option(names = "--scrub-deleted", description = "Overwrite the data of removed files where the output keeps them.")
    boolean scrub;

    @Option(names = {"--operations", "--operation"}, paramLabel = "OPS",
            description = "Comma-separated operations to run instead of the defaults; -NAME removes, 'defaults' and 'all' add groups.")
    void operations(String v) {
        operations.add(v);
    }

    @Option(names = "--enable", paramLabel = "OPS", description = "Add these operations (comma-separated).")
    void enable(String v) {
        enable.add(v);
    }

    @Option(names = "--disable", paramLabel = "OPS", description = "Remove these operations (comma-separated).")
    void disable(String v) {
        disable.add(v);
    }

    @Option(names = "--remove-user-accounts", paramLabel = "USERS", description = "user-account: remove only these users.")
    void removeUsers(String v) {
        removeUsers.addAll(users("--remove-user-accounts", v));
    }

    @Option(names = "--keep-user-accounts", paramLabel = "USERS", description = "user-account: keep these users.")
    void keepUsers(String v) {
        keepUsers.addAll(users("--keep-user-accounts", v));
    }

    @Option(names = "--write", paramLabel = "PATH:CONTENT", description = "Write CONTENT to the guest file PATH.")
    void write(String v) {
        add(() -> WriteFile.parse(v));
    }

    @Option(names = "--upload", paramLabel = "LOCAL:GUESTPATH", description = "Copy a host file into the guest.")
    void upload(String v) {
        add(() -> Upload.parse(v));
    }

    @Option(names = "--mkdir", paramLabel = "DIR", description = "Create a guest directory (and its parents).")
    void mkdir(String v) {
        add(() -> MakeDirectory.parse(v));
    }

    @Option(names = "--chmod", paramLabel = "MODE:PATH", description = "Set the octal mode of a guest path.")
    void chmod(String v) {
        add(() -> Chmod.parse(v));
    }

    @Option(names = "--delete", paramLabel = "PATH", description = "Delete a guest path recursively (globs allowed).")
    void delete(String v) {
        add(() -> Delete.parse(v));
    }

    @Option(names = "--hostname", paramLabel = "NAME", description = "Set the guest's host name.")
    void hostname(String v) {
        add(() -> Hostname.parse(v));
    }

    @Option(names = "--root-password", paramLabel = "hash:HASH|random|disabled", description = "Set root's password.")
    void rootPassword(String v) {
        add(() -> RootPassword.parse(v));
    }

    @Option(names = "--ssh-inject", paramLabel = "USER:KEYFILE", description = "Add public keys to USER's authorized_keys.")
    void sshInject(String v) {
        add(() -> SshInject.parse(v));
    }

    @Option(names = "--firstboot", paramLabel = "SCRIPT", description = "Run SCRIPT once at first boot (systemd unit).")
    void firstboot(String v) {
        add(() -> Firstboot.parse(v));
    }

    @Option(names = "--stamp", paramLabel = "VERSION", description = "Write VERSION to /etc/image-release and IMAGE_VERSION= in os-release.")
    void stamp(String v) {
        add(() -> Stamp.parse(v));
    }

    private interface Step {
        Customization make() throws IOException;
    }

    private void add(Step s) {
        try {
            steps.add(s.make());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> users(String option, String v) {
        List<String> out = Arrays.asList(v.split(",", -1));
        if (out.stream().anyMatch(String::isBlank)) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + ": empty user name in '" + v + "'");
        }
        return out;
    }

    /** The operation selection the options describe. */
    public Selection selection() {
        Selection s = Selection.defaults();
        operations.forEach(s::operations);
        enable.forEach(s::enable);
        disable.forEach(s::disable);
        return s;
    }

    /** The operations' parameters and the customisation steps, in command-line order. */
    public SysprepOptions options() {
        return SysprepOptions.builder().machineId(machineId).customize(steps).removeUsers(removeUsers)
                .keepUsers(keepUsers).scrub(scrub, io.imgtool.sysprep.ScrubHook.NONE).build();
    }
}
