package io.imgtool.cli;

import io.imgtool.core.Json;
import io.imgtool.sysprep.Change;
import io.imgtool.sysprep.Operation;
import io.imgtool.sysprep.OsFamily;
import io.imgtool.sysprep.Registry;
import io.imgtool.sysprep.Sysprep;
import io.imgtool.sysprep.SysprepReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code imgtool seal}: today {@code --list-operations} and sealing of a guest tree in a host
 * directory ({@code --guest-dir}, e.g. a debootstrap chroot before it becomes an image); sealing an
 * IMAGE arrives with the ext4 engine.
 */
@Command(name = "seal", mixinStandardHelpOptions = true,
        description = {"Seal a guest: remove what makes it one machine (logs, keys, leases, ids), customise it offline.",
                "Today: --list-operations, and --guest-dir DIR for a guest tree in a host directory."})
public final class SealCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    SealOptions seal;

    @Mixin
    JsonOption json;

    @Option(names = "--list-operations", description = "List the operations ('*' marks the defaults) and exit.")
    boolean listOperations;

    @Option(names = "--guest-dir", paramLabel = "DIR", description = "Seal the guest tree whose root is the host directory DIR.")
    Path guestDir;

    @Option(names = {"-n", "--dry-run"}, description = "Report what would change; change nothing.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Registry registry = Registry.standard();
        if (listOperations) {
            if (json.enabled()) {
                out.println(Json.write(describe(registry)));
            } else {
                out.print(registry.listOperations());
            }
            out.flush();
            return ExitCodes.OK;
        }
        if (guestDir == null) {
            throw new IllegalArgumentException("give --list-operations or --guest-dir DIR (sealing an IMAGE is not available yet)");
        }
        SysprepReport r = Sysprep.builder().root(guestDir).selection(seal.selection()).options(seal.options())
                .dryRun(dryRun).run();
        if (json.enabled()) {
            out.println(Json.write(r.toJson()));
        } else {
            out.println((dryRun ? "dry run: " : "") + r.os().prettyName() + " (" + r.os().family().label() + "), "
                    + r.operations().size() + " operations, " + r.changes().size() + " changes");
            for (Change c : r.changes()) {
                out.println("  " + c.kind().label() + " " + c.path() + (c.detail().isEmpty() ? "" : " (" + c.detail() + ")")
                        + " [" + c.operation() + "]");
            }
            for (String w : r.warnings()) {
                out.println("warning: " + w);
            }
            for (String n : r.notes()) {
                out.println(n);
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    private static List<Object> describe(Registry registry) {
        List<Object> ops = new ArrayList<>();
        for (Operation op : registry.all()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", op.name());
            m.put("default", op.enabledByDefault());
            m.put("heading", op.heading());
            m.put("description", op.description());
            m.put("aliases", op.aliases());
            Map<String, Object> paths = new LinkedHashMap<>();
            for (OsFamily f : OsFamily.values()) {
                paths.put(f.label(), op.paths(f));
            }
            m.put("paths", paths);
            ops.add(m);
        }
        return ops;
    }
}
